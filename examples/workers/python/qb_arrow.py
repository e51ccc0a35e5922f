"""Reads the Arrow IPC files the quarterback writes for `call.pond_columns` (a pond query's
result as columns), with no pyarrow: the file's footer, schema and record batches are
flatbuffers, read here by hand for the column types those files hold (ints, floats, bool,
Date32, Timestamp(MICROSECOND), Utf8), uncompressed, one or more record batches.

Columns come back as numpy arrays when numpy is installed, else as typed memoryviews; text
as a list of str (None where NULL). With pyarrow at hand, `pyarrow.ipc.open_file` reads the
same files.
"""

import struct

try:
    import numpy as _np
except ImportError:  # pragma: no cover - numpy is optional
    _np = None

MAGIC = b"ARROW1"

# Type union members of Schema.fbs
_INT, _FLOAT, _UTF8, _BOOL, _DATE, _TIMESTAMP = 2, 3, 5, 6, 8, 10
_RECORD_BATCH = 3


class ArrowFormatError(ValueError):
    pass


class _Table:
    """A flatbuffer table at `pos` in `buf`."""

    def __init__(self, buf, pos):
        self.buf = buf
        self.pos = pos
        vtable = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vt = vtable
        self.vt_size = struct.unpack_from("<H", buf, vtable)[0]

    def _field(self, i):
        at = 4 + 2 * i
        if at >= self.vt_size:
            return 0
        return struct.unpack_from("<H", self.buf, self.vt + at)[0]

    def scalar(self, i, fmt, default=0):
        off = self._field(i)
        return default if off == 0 else struct.unpack_from("<" + fmt, self.buf, self.pos + off)[0]

    def _ref(self, i):
        off = self._field(i)
        if off == 0:
            return None
        at = self.pos + off
        return at + struct.unpack_from("<I", self.buf, at)[0]

    def table(self, i):
        at = self._ref(i)
        return None if at is None else _Table(self.buf, at)

    def string(self, i):
        at = self._ref(i)
        if at is None:
            return None
        n = struct.unpack_from("<I", self.buf, at)[0]
        return bytes(self.buf[at + 4:at + 4 + n]).decode("utf-8")

    def tables(self, i):
        at = self._ref(i)
        if at is None:
            return []
        n = struct.unpack_from("<I", self.buf, at)[0]
        return [_Table(self.buf, at + 4 + 4 * k + struct.unpack_from("<I", self.buf, at + 4 + 4 * k)[0]) for k in range(n)]

    def structs(self, i, fmt):
        at = self._ref(i)
        if at is None:
            return []
        n = struct.unpack_from("<I", self.buf, at)[0]
        size = struct.calcsize("<" + fmt)
        return [struct.unpack_from("<" + fmt, self.buf, at + 4 + size * k) for k in range(n)]


def _root(buf, pos=0):
    return _Table(buf, pos + struct.unpack_from("<I", buf, pos)[0])


def _kind(field):
    """The column kind of a schema Field, and its element format for struct/memoryview."""
    type_type = field.scalar(2, "B")
    t = field.table(3)
    if type_type == _INT:
        bits, signed = t.scalar(0, "i"), t.scalar(1, "?")
        fmt = {8: "b", 16: "h", 32: "i", 64: "q"}[bits]
        return (("int" if signed else "uint") + str(bits)), (fmt if signed else fmt.upper())
    if type_type == _FLOAT:
        precision = t.scalar(0, "h")
        if precision == 2:
            return "float64", "d"
        if precision == 1:
            return "float32", "f"
    if type_type == _BOOL:
        return "bool", None
    if type_type == _UTF8:
        return "utf8", None
    if type_type == _DATE and t.scalar(0, "h", 1) == 0:
        return "date", "i"
    if type_type == _TIMESTAMP and t.scalar(0, "h") == 2:
        return "timestamp", "q"
    raise ArrowFormatError(f"column {field.string(0)!r}: Arrow type {type_type} is not one of the pond's column types")


_NP = {"b": "<i1", "h": "<i2", "i": "<i4", "q": "<i8", "B": "<u1", "H": "<u2", "I": "<u4", "Q": "<u8", "f": "<f4", "d": "<f8"}


def _numbers(body, offset, n, fmt):
    if _np is not None:
        return _np.frombuffer(body, dtype=_NP[fmt], count=n, offset=offset)
    size = struct.calcsize(fmt)
    return memoryview(body)[offset:offset + n * size].cast(fmt)


def _bits(body, offset, n):
    """Bit-packed values (low bit first) as 0/1 per row."""
    if _np is not None:
        return _np.unpackbits(_np.frombuffer(body, dtype=_np.uint8, count=(n + 7) // 8, offset=offset), bitorder="little")[:n]
    return [(body[offset + (i >> 3)] >> (i & 7)) & 1 for i in range(n)]


def _concat(parts, kind):
    if kind == "utf8" or _np is None or not parts:
        out = []
        for p in parts:
            out.extend(p)
        return out
    return parts[0] if len(parts) == 1 else _np.concatenate(parts)


def read_columns(data):
    """The columns of an Arrow IPC file's bytes: (rows, {name: values}, {name: kind}, {name: 0/1 per row for columns with NULLs})."""
    buf = memoryview(data)
    if len(buf) < 12 or bytes(buf[:6]) != MAGIC or bytes(buf[-6:]) != MAGIC:
        raise ArrowFormatError("not an Arrow IPC file (no ARROW1 magic at both ends)")
    footer_len = struct.unpack_from("<i", buf, len(buf) - 10)[0]
    footer = _root(buf, len(buf) - 10 - footer_len)
    fields = footer.table(1).tables(1)
    kinds = [_kind(f) for f in fields]
    names = [f.string(0) for f in fields]
    if len(set(names)) != len(names):
        raise ArrowFormatError(f"two columns of one name in {names}")
    parts = {name: [] for name in names}
    nulls = {name: [] for name in names}
    rows = 0
    for offset, meta_len, _pad, _body_len in footer.structs(3, "qiiq"):
        at = offset
        if struct.unpack_from("<I", buf, at)[0] == 0xFFFFFFFF:
            at += 4
        message = _root(buf, at + 4)
        if message.scalar(1, "B") != _RECORD_BATCH:
            raise ArrowFormatError("a block of the footer is not a record batch")
        batch = message.table(2)
        if batch.table(3) is not None:
            raise ArrowFormatError("compressed record batches are not read here")
        n = batch.scalar(0, "q")
        nodes = batch.structs(1, "qq")
        buffers = batch.structs(2, "qq")
        body = buf[offset + meta_len:]
        b = 0
        for k, name in enumerate(names):
            kind, fmt = kinds[k]
            length, null_count = nodes[k]
            valid_at, valid_len = buffers[b]
            b += 1
            valid = _bits(body, valid_at, length) if null_count > 0 and valid_len > 0 else None
            if kind == "utf8":
                (off_at, _), (data_at, data_len) = buffers[b], buffers[b + 1]
                b += 2
                offsets = struct.unpack_from(f"<{length + 1}i", body, off_at)
                text = bytes(body[data_at:data_at + data_len])
                values = [text[offsets[i] - offsets[0]:offsets[i + 1] - offsets[0]].decode("utf-8") for i in range(length)] \
                    if offsets[0] == 0 else [bytes(body[data_at + offsets[i]:data_at + offsets[i + 1]]).decode("utf-8") for i in range(length)]
                if valid is not None:
                    values = [v if valid[i] else None for i, v in enumerate(values)]
            else:
                data_at, _ = buffers[b]
                b += 1
                values = _bits(body, data_at, length) if kind == "bool" else _numbers(body, data_at, length, fmt)
            parts[name].append(values)
            nulls[name].append(valid if valid is not None else None)
        rows += n
    columns = {name: _concat(parts[name], kinds[k][0]) for k, name in enumerate(names)}
    valid = {}
    for name in names:
        if any(v is not None for v in nulls[name]):
            whole = []
            for v, p in zip(nulls[name], parts[name]):
                whole.extend(list(v) if v is not None else [1] * len(p))
            valid[name] = _np.array(whole, dtype=_np.uint8) if _np is not None else whole
    return rows, columns, {name: kinds[k][0] for k, name in enumerate(names)}, valid
