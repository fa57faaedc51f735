"""A province-sized catalog for benchmarks: the shipped procedures copied under new codes and names."""

from __future__ import annotations

import json
from pathlib import Path

from bench.scratch import scratch_dir
from firmware.common.catalog import default_catalog_text

PLACES = ("cho công dân", "tại cấp xã", "có yếu tố nước ngoài", "lưu động", "kết hợp", "lại", "theo yêu cầu",
          "trực tuyến", "cho người cao tuổi", "tại khu vực biên giới")
FIELDS = ("Hộ tịch", "Cư trú", "Chứng thực", "Đất đai", "Xây dựng", "Lao động", "Bảo trợ xã hội", "Giáo dục",
          "Y tế", "Kinh doanh", "Văn hóa", "Nông nghiệp")


def big_catalog(count: int) -> Path:
    """A catalog file of `count` procedures (the shipped ones, then copies with their own code, name, field)."""
    root = json.loads(default_catalog_text())
    shipped = root["procedures"]
    procedures = list(shipped)
    for number in range(len(shipped), count):
        copy = dict(shipped[number % len(shipped)])
        copy["code"] = f"9.{number:06d}"
        copy["name"] = f"{copy['name']} {PLACES[number % len(PLACES)]} số {number}"
        copy["field"] = FIELDS[number % len(FIELDS)]
        procedures.append(copy)
    root["procedures"] = procedures[:count]
    path = scratch_dir() / f"catalog-{count}.json"
    path.write_text(json.dumps(root, ensure_ascii=False), encoding="utf-8")
    return path
