"""Block splitting and kind detection used by the chat proxy."""
from __future__ import annotations

from ctxprune.chat import split_question
from ctxprune.detect import detect_kind, split_blocks

AXTREE = """RootWebArea 'Shop', focused
[C] link 'Get Started'
heading 'Company'
[D] link 'Contact Us'
[SD] link 'Support'
\t[ZL] generic 'Facebook'
\t\tStaticText 'Facebook'
[K] button 'Add to cart'"""
MD = "| Country | Year |\n|---|---|\n| Guam | 2002 |\n| China | 2002 |"
CSV = "country,year,league\nGuam,2002,Guam League\nChina,2002,Super League\nJapan,1999,J1"
PROSE = ("The Eiffel Tower was finished in 1889.\nIt is 330 metres tall, and it was the tallest structure in the world "
         "until 1930.\nGustave Eiffel's company built it.\nIt stands on the Champ de Mars.\nMillions visit it each year.")


def test_blocks_rebuild_the_text_exactly():
    text = f"\n\nIntro line.\n\n\n{MD}\n\n```\n{AXTREE}\n\nmore\n```\ntail\n"
    blocks = split_blocks(text)
    assert "".join(b.text + b.sep for b in blocks) == text
    fenced = [b for b in blocks if b.fence]
    assert len(fenced) == 1 and "\n\nmore" in fenced[0].body  # blank lines inside a fence do not split it
    assert fenced[0].rewrap(fenced[0].body) == fenced[0].text


def test_kinds_are_told_apart():
    assert detect_kind(MD) == "table"
    assert detect_kind(CSV) == "table"
    assert detect_kind(CSV.replace(",", "\t")) == "table"
    assert detect_kind(AXTREE) == "axtree"
    assert detect_kind(PROSE) == "passages"
    assert detect_kind("a | b\nc | d") == "passages"  # pipes without a header separator are prose


def test_the_question_is_the_last_paragraph():
    docs, q = split_question(f"{PROSE}\n\nHow tall is it?")
    assert q == "How tall is it?" and docs.startswith("The Eiffel") and docs.endswith("\n\n")
    assert split_question("Just a question?") == ("", "Just a question?")


def test_detection_on_the_dev_sets():
    """Dev AxTrees read as trees, dev tables (as markdown and CSV) as tables, dev passages as prose."""
    import csv
    import io

    from tests.conftest import load_dev

    trees = load_dev("axtree")
    assert sum(detect_kind("\n".join(r["context"]["axtree_lines"])) == "axtree" for r in trees) >= 0.97 * len(trees)
    tables = load_dev("tables", 100)
    def md(c):
        rows = [c["header"], ["---"] * len(c["header"]), *c["rows"]]
        return "\n".join("| " + " | ".join(str(x).replace("\n", " ") for x in r) + " |" for r in rows)

    def as_csv(c):
        buf = io.StringIO()
        csv.writer(buf).writerows([c["header"], *c["rows"]])
        return buf.getvalue().strip()

    big = [r["context"] for r in tables if len(r["context"]["rows"]) >= 3]
    assert sum(detect_kind(md(c)) == "table" for c in big) == len(big)
    assert sum(detect_kind(as_csv(c)) == "table" for c in big) >= 0.9 * len(big)
    paras = [" ".join(s.strip() for s in p["sentences"]) for r in load_dev("rag", 30) for p in r["context"]["passages"]]
    assert sum(detect_kind(p) == "passages" for p in paras) == len(paras)
