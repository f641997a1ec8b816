"""Buyer-specific watermarks for delivered text files (CSV, text, Markdown, HTML), and finding them again.

A CSV stays a CSV that every reader opens: the fingerprint is a column of the data, and the licence text goes
into 授权说明.txt beside it; the two travel together as one ZIP.
"""

from __future__ import annotations

import csv
import html
import io
import re
import secrets
import zipfile
from pathlib import PurePath

FINGERPRINT_RE = re.compile(r"PDXFP-[0-9A-F]{16}")
TEXT_KINDS = {".csv": "text/csv", ".txt": "text/plain", ".md": "text/markdown", ".html": "text/html",
              ".htm": "text/html"}
FP_COLUMN = "数据指纹"
LICENCE_NAME = "授权说明.txt"
ZIP_MAGIC = b"PK\x03\x04"
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed member times: the same copy is the same bytes


def new_fingerprint() -> str:
    """A fresh fingerprint like PDXFP-3F9A0C1D2E4B5A6C (64 random bits)."""
    return "PDXFP-" + secrets.token_hex(8).upper()


def licence_line(*, licensee: str, order_number: str, fingerprint: str) -> str:
    """The visible licence statement carried by every delivered copy."""
    return (f"本文件授权 {licensee} 使用（订单 {order_number}），仅限申报用途，禁止转售或公开传播。"
            f"数字指纹：{fingerprint}")


def copy_name(filename: str) -> str:
    """The name the buyer's copy is delivered under: a CSV comes as a ZIP of the same name."""
    path = PurePath(filename)
    return str(path.with_suffix(".zip")) if path.suffix.lower() == ".csv" else filename


def watermark(content: bytes, *, ext: str, licensee: str, order_number: str, fingerprint: str,
              filename: str = "data.csv") -> bytes:
    """The buyer's copy: a licence line plus the fingerprint (for CSV: a ZIP of the CSV and its licence)."""
    text = content.decode("utf-8-sig")
    line = licence_line(licensee=licensee, order_number=order_number, fingerprint=fingerprint)
    ext = ext.lower()
    if ext == ".csv":
        return _csv_zip(text, line, fingerprint, filename)
    if ext in (".html", ".htm"):
        return _html(text, line).encode("utf-8")
    if ext == ".md":
        return f"> {line}\n\n{text.rstrip()}\n\n---\n\n{line}\n".encode()
    return f"{line}\n\n{text.rstrip()}\n\n{line}\n".encode()


def _csv(text: str, fingerprint: str) -> bytes:
    """The data with a fingerprint column, UTF-8 with a BOM so Excel shows the Chinese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for index, row in enumerate(csv.reader(io.StringIO(text))):
        if row:
            writer.writerow([*row, FP_COLUMN if index == 0 else fingerprint])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def licence_text(line: str, fingerprint: str, data_name: str) -> str:
    """授权说明.txt: the licence, where the fingerprint is, and how the buyer checks its copy."""
    return "\r\n".join([
        line,
        "",
        f"数据文件 {data_name} 的最后一列「{FP_COLUMN}」在每一行记有本副本的数字指纹 {fingerprint}；",
        "请勿删除该列。指纹把文件关联到上述订单，外泄的副本可据此追溯。",
        "",
        "核验：本 ZIP 文件的 SHA-256 应与订单页面显示的一致",
        "（Linux/macOS：sha256sum 文件名；Windows：certutil -hashfile 文件名 SHA256）。",
        "",
    ])


def _csv_zip(text: str, line: str, fingerprint: str, filename: str) -> bytes:
    name = PurePath(filename).name or "data.csv"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in ((name, _csv(text, fingerprint)),
                             (LICENCE_NAME, licence_text(line, fingerprint, name).encode("utf-8"))):
            info = zipfile.ZipInfo(member, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.flag_bits |= 0x800  # UTF-8 member names
            z.writestr(info, data)
    return out.getvalue()


def _html(text: str, line: str) -> str:
    banner = (f'<p style="border:1px solid #c00;padding:4px;color:#c00;font-size:12px">'
              f"{html.escape(line)}</p>")
    match = re.search(r"<body[^>]*>", text, flags=re.IGNORECASE)
    if match:
        return text[:match.end()] + banner + text[match.end():]
    return banner + text


def _texts(content: bytes) -> list[str]:
    """The file's text, or the text of each member when it is a ZIP (a delivered CSV)."""
    if content.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                return [z.read(info).decode("utf-8", errors="ignore") for info in z.infolist()
                        if info.file_size <= 200 * 1024 * 1024]
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            pass
    return [content.decode("utf-8", errors="ignore")]


def find_fingerprints(content: bytes) -> list[str]:
    """Every fingerprint found in a file (leaked copies may have been edited; any survivor will do)."""
    return sorted({fp for text in _texts(content) for fp in FINGERPRINT_RE.findall(text)})
