"""What the kiosk says aloud: one short Vietnamese prompt per screen and per error, by a stable key.

The key is also the file name (`<key>.wav`): the built-in voice is rendered from these texts with espeak-ng
(`python -m firmware.render.voice`), and a province may drop its own recordings with the same names into
`[voice] dir`. No prompt holds personal data: they are fixed texts, never the citizen's answers.
"""

from __future__ import annotations

SCREENS: dict[str, str] = {
    "attract": "Kính chào quý khách. Xin mời chạm vào màn hình để bắt đầu.",
    "home": "Xin chào. Bạn cần làm gì? Xin mời chạm vào một nút.",
    "help": "Đây là hướng dẫn. Nếu cần giúp, xin mời đến quầy một cửa.",
    "login": "Xin mời đưa mã QR trên thẻ căn cước vào trước camera.",
    "procedures": "Xin mời chọn thủ tục bạn cần làm, hoặc chạm Tìm thủ tục để gõ tên.",
    "procedure": "Đây là giấy tờ cần có và lệ phí. Chạm Bắt đầu để làm hồ sơ.",
    "form": "Xin mời nhập thông tin bằng bàn phím trên màn hình, rồi chạm Tiếp tục.",
    "documents": "Xin mời đặt giấy vào khe máy quét, mặt có chữ úp xuống.",
    "review": "Xin mời kiểm tra lại, chạm Tôi đồng ý, rồi Nộp hồ sơ.",
    "submitting": "Đang lưu hồ sơ của bạn, xin chờ một chút.",
    "done": "Hồ sơ đã được tiếp nhận. Xin mời nhận phiếu hẹn ở khe máy in.",
    "lookup": "Xin mời đưa mã QR trên phiếu hẹn vào trước camera, hoặc chạm Nhập mã hồ sơ.",
    "status": "Đây là tình trạng hồ sơ của bạn.",
    "dossiers": "Đây là các hồ sơ bạn đã nộp. Chạm vào một hồ sơ để xem.",
    "rate": "Bạn hài lòng thế nào? Xin mời chạm vào một khuôn mặt.",
    "pay": "Xin mời mở ứng dụng ngân hàng và quét mã QR trên màn hình để nộp phí.",
    "card_key": "Xin mời nhập các số in trên thẻ căn cước: số định danh, ngày sinh và ngày hết hạn.",
    "vneid": "Xin mời mở ứng dụng VNeID, chạm Quét mã, rồi hướng vào mã QR trên màn hình.",
    "out_of_service": "Kiosk đang tạm ngừng phục vụ. Xin mời bạn đến quầy một cửa.",
    "technician_pin": "Chế độ kỹ thuật. Xin mời nhập mã PIN của kiosk.",
    "technician": "Chế độ kỹ thuật.",
}

ERRORS: dict[str, str] = {
    "required": "Xin mời nhập thông tin này.",
    "choose": "Xin mời chọn một mục.",
    "name_letters": "Họ tên chỉ gồm chữ cái và dấu cách.",
    "too_long": "Thông tin dài quá. Xin mời viết ngắn lại.",
    "number_range": "Số này chưa đúng. Xin mời nhập lại.",
    "phone": "Số điện thoại di động gồm mười chữ số, bắt đầu bằng số không.",
    "id_number": "Số định danh cá nhân gồm đủ mười hai chữ số.",
    "date_incomplete": "Xin mời nhập đủ ngày, tháng, năm.",
    "date_future": "Ngày này ở sau hôm nay. Xin mời nhập lại.",
    "card_not_cccd": "Đây không phải mã QR trên thẻ căn cước. Xin mời đưa đúng mặt thẻ.",
    "card_invalid": "Chưa đọc được thẻ. Xin mời quét lại, hoặc đến quầy một cửa.",
    "page_blank": "Trang giấy trống. Xin mời đặt lại giấy, mặt có chữ úp xuống.",
    "page_dark": "Trang quét quá tối. Xin mời đặt lại giấy cho phẳng rồi quét lại.",
    "scanner_jam": "Giấy bị kẹt. Xin mời kéo nhẹ tờ giấy ra, rồi chạm Quét lại.",
    "scanner_absent": "Máy quét đang tạm ngừng. Bạn có thể nộp bản giấy tại quầy một cửa.",
    "scanner_error": "Máy quét gặp lỗi. Xin mời chạm Quét lại.",
    "consent": "Xin mời chạm Tôi đồng ý nếu bạn đồng ý, để nộp hồ sơ.",
    "not_stored": "Kiosk chưa nhận được hồ sơ. Xin mời đến quầy một cửa.",
    "not_printed": "Máy in đang tạm ngừng. Hồ sơ đã được lưu. Xin mời chụp lại mã hồ sơ.",
    "still_there": "Bạn cần thêm thời gian không? Nếu cần, xin mời chạm vào màn hình.",
    "coming_soon": "Chức năng này sắp có. Xin mời hỏi cán bộ tại quầy một cửa.",
    "lookup_offline": "Không kết nối được với hệ thống. Xin thử lại sau hoặc hỏi cán bộ.",
    "lookup_not_found": "Không tìm thấy hồ sơ. Xin mời kiểm tra lại mã trên phiếu hẹn.",
    "rating_not_stored": "Kiosk chưa lưu được đánh giá. Xin lỗi vì sự bất tiện này.",
    "not_your_dossier": "Thẻ này không phải thẻ đã dùng để nộp hồ sơ. Xin mời dùng đúng thẻ.",
    "supplement_not_stored": "Kiosk chưa lưu được giấy tờ bổ sung. Xin mời đến quầy một cửa.",
    "supplement_sent": "Đã nhận giấy tờ bổ sung. Xin mời nhận phiếu xác nhận ở khe máy in.",
    "paid": "Đã thanh toán. Xin mời nhận biên lai ở khe máy in.",
    "payment_wait_over": "Chưa nhận được xác nhận thanh toán. Nếu bạn đã chuyển tiền, khoản tiền vẫn được ghi nhận.",
    "no_fee": "Hồ sơ này không mất phí.",
    "already_paid": "Hồ sơ này đã được thanh toán.",
    "vneid_refused": "Bạn đã từ chối đăng nhập trên ứng dụng VNeID.",
    "vneid_expired": "Mã đăng nhập đã hết hạn. Xin mời chạm Tạo mã mới.",
    "new_person": "Lượt mới đã bắt đầu. Thông tin của người trước đã được xoá.",
}


def all_prompts() -> dict[str, str]:
    """key -> text for every prompt: `screen.<name>` and `error.<key>`."""
    return {**{f"screen.{k}": v for k, v in SCREENS.items()}, **{f"error.{k}": v for k, v in ERRORS.items()}}
