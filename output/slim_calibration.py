"""slim_calibration.py: a calibration file without its bulk, to keep or share.

    /usr/bin/python3 output/slim_calibration.py CAL.h5 SLIM.h5

`conflictsim calibrate` keeps every run's targets: history matching's
/history_matching/wave_K/outputs (points x replicates x targets) is most of
the file (tens of MB for a real calibration). Nothing reads them after the
calibration: `--posterior` (run, sweep, validate, compare), plot_calibration.py
and the report read the posterior, the waves' designs, implausibilities and
boxes, the targets and the attributes. SLIM.h5 is CAL.h5 with those outputs
left out and everything else the same: every other dataset's values, type and
attributes, every group's and the root's attributes, dimension scales
attached as in CAL.h5, and /posterior the same hard link to the last ABC
population. A run under `--posterior SLIM.h5` is the same run as under
CAL.h5 (the same draws, events and samples); only posterior_sha256, the
checksum of the file named, differs.

It writes SLIM.h5 beside itself under a temporary name and renames it when
complete, so an error leaves no partial file and an existing SLIM.h5 intact.
Exit status: 0 written, 2 bad arguments or unreadable input (the message says
which file and why).
"""
import os
import sys
import tempfile

import h5py

SKIP = ("DIMENSION_LIST", "REFERENCE_LIST")  # references into CAL.h5: rebuilt below


def dropped(name):
    """The datasets left out: history matching's run outputs."""
    return name.startswith("history_matching/") and name.rsplit("/", 1)[-1] == "outputs"


def copy_attrs(src, dst, skip=SKIP):
    for k in src.attrs:
        if k not in skip:
            dst.attrs.create(k, src.attrs[k], dtype=src.attrs.get_id(k).dtype)


def addr(obj):
    return h5py.h5o.get_info(obj.id).addr


def slim(src_path, dst_path):
    try:
        s = h5py.File(src_path, "r")
    except OSError as e:
        raise ValueError("%s: cannot read it as HDF5 (%s)" % (src_path, e)) from None
    with s:
        if s.attrs.get("file_kind") not in (b"conflictsim calibration", "conflictsim calibration"):
            raise ValueError("%s: not a calibration file (conflictsim calibrate writes one)" % src_path)
        fd, tmp = tempfile.mkstemp(prefix=".slim-", suffix=".h5", dir=os.path.dirname(os.path.abspath(dst_path)))
        os.close(fd)
        try:
            with h5py.File(tmp, "w") as d:
                copy_attrs(s, d)
                first, alias, dsets = {}, [], []

                def walk(g, prefix):  # every link, in order; an object reached twice is a hard link
                    for k in g:
                        name, obj = prefix + k, g[k]
                        a = addr(obj)
                        if a in first:
                            alias.append((name, first[a]))
                            continue
                        first[a] = name
                        if isinstance(obj, h5py.Group):
                            copy_attrs(obj, d.require_group(name))
                            walk(obj, name + "/")
                        elif not dropped(name):
                            dsets.append(name)

                walk(s, "")
                kept = set(dsets)
                for name in dsets:
                    o = s[name]
                    ds = d.create_dataset(name, data=o[()], dtype=o.dtype)
                    copy_attrs(o, ds, SKIP + ("CLASS", "NAME"))
                    if o.attrs.get("CLASS") in (b"DIMENSION_SCALE", "DIMENSION_SCALE"):
                        label = o.attrs.get("NAME", b"")
                        ds.make_scale(label.decode() if isinstance(label, bytes) else label)
                for name in dsets:
                    for i, dim in enumerate(s[name].dims):
                        for scale in dim.values():
                            target = first.get(addr(scale))
                            if target in kept:
                                d[name].dims[i].attach_scale(d[target])
                for name, target in alias:
                    if target in kept or target in d:
                        d[name] = d[target]
            os.replace(tmp, dst_path)
        except BaseException:
            os.unlink(tmp)
            raise


def main(argv):
    if any(a in ("-h", "--help") for a in argv[1:]):
        print(__doc__.strip())
        return 0
    if len(argv) != 3:
        print("usage: slim_calibration.py CAL.h5 SLIM.h5 (--help says more)", file=sys.stderr)
        return 2
    src, dst = argv[1], argv[2]
    if os.path.exists(dst) and os.path.exists(src) and os.path.samefile(src, dst):
        print("slim_calibration.py: %s: the output would overwrite the input" % dst, file=sys.stderr)
        return 2
    try:
        slim(src, dst)
    except (OSError, ValueError, KeyError) as e:
        print("slim_calibration.py: %s" % e, file=sys.stderr)
        return 2
    print("written: %s (%s bytes, from %s bytes)" % (dst, format(os.path.getsize(dst), ","),
                                                    format(os.path.getsize(src), ",")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
