"""The playbook preview's difference between two texts, line by line."""

from __future__ import annotations

from bascule.web.text_diff import Line, compare


def test_a_changed_line_is_shown_removed_then_added_with_its_context_and_numbers():
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten") + "\nline 21"
    diff = compare(old, new, around=1)
    assert (diff.added, diff.removed) == (2, 1)
    assert diff.passages == [
        [
            Line("kept", 9, 9, "line 9"),
            Line("removed", 10, None, "line 10"),
            Line("added", None, 10, "line ten"),
            Line("kept", 11, 11, "line 11"),
        ],
        [Line("kept", 20, 20, "line 20"), Line("added", None, 21, "line 21")],
    ]


def test_the_same_text_has_no_passage():
    assert compare("a\nb\n", "a\nb\n").same
