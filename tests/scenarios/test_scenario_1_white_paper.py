"""SPEC §12 scenario 1: a marketing director downloads a white paper.

Through the public content_download form (name, e-mail, company, size, sector): one lead,
status new, source content_download, with its score and explanation; the download kept as a
signal on it; no opportunity.
"""

from __future__ import annotations

from sqlalchemy import select

from bascule.storage import tables as t


def test_a_white_paper_download_makes_one_new_lead_and_no_opportunity(
    api, form_key, database, rows
):
    # Given the white paper page of the web site, with its form key
    key = form_key("content_download", "Livre blanc : réussir la bascule lead → opportunité")

    # When a marketing director downloads the white paper
    response = api.intake(
        "content_download",
        {
            "first_name": "Isabelle",
            "last_name": "Roche",
            "email": "isabelle.roche@vins-roche.fr",
            "company": "Vins Roche & Fils",
            "employees": 85,
            "sector": "Agroalimentaire",
            "job_title": "Directrice marketing",
            "campaign": "Livre blanc – bascule",
            "content": "livre-blanc-bascule.pdf",
        },
        key=key,
    )

    # Then one lead is created, new, from a content download
    result = api.ok(response, 201)
    assert set(result) == {"outcome", "lead_id"}
    assert result["outcome"] == "lead_created"
    lead = api.ok(api.get(f"/leads/{result['lead_id']}", as_="marketing"))
    assert (lead["status"], lead["source"], lead["kind"]) == ("new", "content_download", "sales")
    assert (lead["first_name"], lead["last_name"], lead["email"]) == (
        "Isabelle",
        "Roche",
        "isabelle.roche@vins-roche.fr",
    )
    assert (lead["company"], lead["employees"], lead["sector"], lead["job_title"]) == (
        "Vins Roche & Fils",
        85,
        "Agroalimentaire",
        "Directrice marketing",
    )
    assert lead["campaign"] == "Livre blanc – bascule"
    # scored: a score between 0 and 100 with its explanation (the rules come with scoring)
    assert 0 <= lead["score"] <= 100
    assert isinstance(lead["score_explanation"], list)
    assert (lead["temperature"], lead["ready_to_convert"], lead["opportunity_id"]) == (
        None,
        False,
        None,
    )
    history = api.ok(api.get(f"/leads/{lead['id']}/history"))
    assert [(h["to_status"], h["actor_rule"]) for h in history] == [("new", "intake")]
    # And the download is kept on the lead, with the document asked for
    with database.uow() as uow:
        (signal,) = uow.session.scalars(select(t.Signal))
        assert (signal.type, signal.origin, signal.lead_id) == (
            "content_download",
            "form",
            lead["id"],
        )
        assert signal.properties["content"] == "livre-blanc-bascule.pdf"
    # And it shows in marketing's list of content leads; there is no opportunity
    listed = api.ok(api.get("/leads?source=content_download", as_="marketing"))
    assert [item["id"] for item in listed["items"]] == [lead["id"]]
    assert (rows(t.Lead), rows(t.Opportunity), rows(t.Account), rows(t.Contact)) == (1, 0, 0, 0)
    assert rows(t.Outbox) == 0  # a download is no strong signal
