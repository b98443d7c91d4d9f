"""runlog.py: what the Haiti tools read from a run file's attributes and event log
(output/README.md): the calendar date of day 0 and the names of the event kinds, in
code order. Imported by casualties.py, clash_counts.py, owners_oct_2024.py and
solino_raid.py (run from any directory: Python puts a script's own folder on its path)."""
import datetime as dt


def start_date(f):
    """The date of day 0 of open run file f (attribute start_date, ISO)."""
    s = f.attrs["start_date"]
    return dt.date.fromisoformat(s.decode() if isinstance(s, bytes) else str(s))


def event_kinds(f):
    """The event kinds' names; the code of a kind is its index (events/kind's flag_meanings)."""
    k = f["events/kind"].attrs["flag_meanings"]
    return (k.decode() if isinstance(k, bytes) else str(k)).split()
