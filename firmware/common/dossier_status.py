"""A dossier's processing steps, as the province records them and a kiosk shows them (lookup's timeline)."""

from __future__ import annotations

# status -> what a citizen reads on the kiosk
STATUSES: dict[str, str] = {
    "received": "Đã tiếp nhận",
    "processing": "Đang xử lý",
    "need_more": "Cần bổ sung giấy tờ",
    "supplemented": "Đã bổ sung",
    "ready": "Có kết quả",
    "returned": "Đã trả kết quả",
    "rejected": "Từ chối",
}
# What an official may set by hand (`motcua gateway set-status`); `supplemented` comes from the kiosk.
SETTABLE = ("received", "processing", "need_more", "ready", "returned", "rejected")
