"""What the citizen is told about a chip read, kept apart from the protocol so that the screens import no
cryptography: where the identity came from, and each failure's message (the codes of CardError)."""

from __future__ import annotations

from firmware.rules.i18n import N_, _

VERIFIED, CHIP_ONLY, QR_ONLY = "chip+PA", "chip", "qr"

# code -> what the citizen is told (the detail goes to the journal, never personal data); a failed check
# (`pa_*`) is followed by REFUSED.
MESSAGES = {
    "removed": N_("Thẻ đã bị nhấc ra khỏi đầu đọc khi đang đọc. Xin mời bạn đặt lại thẻ và giữ yên."),
    "not_mrtd": N_("Đây không phải thẻ căn cước có gắn chip. Xin mời bạn đặt đúng thẻ căn cước."),
    "bac_key": N_("Không mở được chip bằng thông tin trên thẻ. Xin mời bạn nhập các số in trên thẻ."),
    "sm": N_("Chip trả lời không đúng. Xin mời bạn đặt lại thẻ."),
    "data": N_("Dữ liệu trong chip không đọc được. Xin mời bạn dùng mã QR trên thẻ hoặc đến quầy một cửa."),
    "pa_hash": N_("Dữ liệu trong chip không khớp chữ ký của cơ quan cấp thẻ."),
    "pa_signature": N_("Chữ ký số trong chip không đúng."),
    "pa_csca": N_("Chip được ký bởi một cơ quan mà kiosk không biết."),
    "pa_expired": N_("Chứng thư ký của chip đã hết hạn."),
    "pa_format": N_("Chữ ký số trong chip không đọc được."),
    "reader": N_("Đầu đọc thẻ đang tạm ngừng. Xin mời bạn dùng mã QR trên thẻ."),
}
REFUSED = N_("Thẻ này không dùng được ở kiosk. Xin mời bạn đến quầy một cửa.")
# What the citizen is told about where the identity came from.
VERIFICATION_WORDS = {
    VERIFIED: N_("Thông tin đọc từ chip trên thẻ, đã xác thực chữ ký của cơ quan cấp thẻ."),
    CHIP_ONLY: N_("Thông tin đọc từ chip trên thẻ, chưa xác thực được chữ ký."),
    QR_ONLY: N_("Thông tin đọc từ mã QR trên thẻ."),
}


def message(code: str) -> str:
    """What the citizen reads for a failed read, in the kiosk's language."""
    text = _(MESSAGES.get(code, MESSAGES["data"]))
    return f"{text} {_(REFUSED)}" if code.startswith("pa_") else text
