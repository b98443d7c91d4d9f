"""slim_calibration.py: a calibration file without its bulk, to keep or share.

    /usr/bin/python3 output/slim_calibration.py [--keep-waves] CAL.h5 SLIM.h5

`conflictsim calibrate` keeps every design point of history matching: each wave's
theta, mean, variance, implausibility and outputs (points x replicates x targets). For
a real calibration that is nearly all of the file (calibration 11 of the capital: about
12 MB, 5,120 points in wave 1), and nothing reads it to use the posterior. SLIM.h5
leaves out every dataset of /history_matching/wave_K but the box it sampled (box_low,
box_high); the waves' attributes (nroy_share, nroy_fraction) stay. With --keep-waves
only the outputs are left out (about 5.5 of calibration 11's 12 MB), and the rest of
the waves stays, for tools that read the designs (scenarios/haiti/joint_shares.py).

Everything else is the same: the root's and every group's attributes (with their
types), the parameters, priors and targets, the ABC populations and their outputs,
every other dataset's values and type, dimension scales attached as in CAL.h5, and
/posterior the same hard link to the last population. So `--posterior SLIM.h5` (run,
sweep, validate, compare) gives the same runs as CAL.h5, and output/plot_calibration.py
the same figures; only the checksum a compare report records for the file differs.

It writes SLIM.h5 beside itself under a temporary name and renames it when complete,
so an error leaves no partial file and an existing SLIM.h5 intact. Exit status: 0
written, 2 bad arguments, input or output (the message names the file and why).
"""
import os
import sys
import tempfile

import h5py

SKIP = ("DIMENSION_LIST", "REFERENCE_LIST")  # references into CAL.h5: rebuilt below


def dropper(keep_waves):
    """The datasets left out: history matching's run outputs, and without keep_waves
    every dataset of a wave but its box."""
    def dropped(name):
        if not name.startswith("history_matching/"):
            return False
        leaf = name.rsplit("/", 1)[-1]
        return leaf == "outputs" if keep_waves else leaf not in ("box_low", "box_high")
    return dropped


def copy_attrs(src, dst, skip=SKIP):
    for k in src.attrs:
        if k not in skip:
            dst.attrs.create(k, src.attrs[k], dtype=src.attrs.get_id(k).dtype)


def addr(obj):
    return h5py.h5o.get_info(obj.id).addr


def slim(src_path, dst_path, keep_waves=False):
    try:
        s = h5py.File(src_path, "r")
    except OSError as e:
        raise ValueError("%s: cannot read it as HDF5 (%s)" % (src_path, e)) from None
    with s:
        if s.attrs.get("file_kind") not in (b"conflictsim calibration", "conflictsim calibration"):
            raise ValueError("%s: not a calibration file (conflictsim calibrate writes one)" % src_path)
        try:
            fd, tmp = tempfile.mkstemp(prefix=".slim-", suffix=".h5", dir=os.path.dirname(os.path.abspath(dst_path)))
        except OSError as e:
            raise ValueError("%s: cannot write beside it (%s)" % (dst_path, e.strerror)) from None
        os.close(fd)
        try:
            dropped = dropper(keep_waves)
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
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is not what a written file gets
            os.replace(tmp, dst_path)
        except BaseException as e:
            os.unlink(tmp)
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            raise ValueError("%s: cannot copy it (%s: %s)" % (src_path, type(e).__name__, e)) from None


def main(argv):
    if any(a in ("-h", "--help") for a in argv[1:]):
        print(__doc__.strip())
        return 0
    args = [a for a in argv[1:] if a != "--keep-waves"]
    if len(args) != 2 or any(a.startswith("-") for a in args):
        print("usage: slim_calibration.py [--keep-waves] CAL.h5 SLIM.h5 (--help says more)", file=sys.stderr)
        return 2
    src, dst = args
    if os.path.isdir(dst):
        print("slim_calibration.py: %s: is a directory, not a file to write" % dst, file=sys.stderr)
        return 2
    if os.path.exists(dst) and os.path.exists(src) and os.path.samefile(src, dst):
        print("slim_calibration.py: %s: the output would overwrite the input" % dst, file=sys.stderr)
        return 2
    try:
        slim(src, dst, keep_waves="--keep-waves" in argv[1:])
    except (OSError, ValueError, KeyError) as e:
        print("slim_calibration.py: %s" % e, file=sys.stderr)
        return 2
    print("written: %s (%s bytes, from %s bytes)" % (dst, format(os.path.getsize(dst), ","),
                                                    format(os.path.getsize(src), ",")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
