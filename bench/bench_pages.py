"""Web pages (issue 11): the work queue ``/`` of an SDR, a sales rep, an account manager and
a manager, the account list and the featured account's page, the contact page and the import
page, timed in the server on 20,000 leads and 500 open opportunities; target p50 <= 25 ms.

.venv/bin/python bench/bench_pages.py [--db sqlite|postgresql|both] [--n 200] [--leads 20000]

Shared set-up and measure in ``_support/pages.py`` (other page benches add their own cases)."""

from __future__ import annotations

import sys

from _support.pages import Desk, PageCase, run


def cases(desk: Desk) -> list[PageCase]:
    account, contact = desk.featured_account, desk.featured_contact
    return [
        PageCase("work queue", "/", "sdr"),
        PageCase("work queue", "/", "sales"),
        PageCase("work queue", "/", "account_manager"),
        PageCase("work queue", "/", "manager"),
        PageCase("account list", "/accounts", "sales"),
        PageCase("account list, search", "/accounts?q=compte%2012", "sales"),
        PageCase("account page", f"/accounts/{account}", "sales"),
        PageCase("account page", f"/accounts/{account}", "manager"),
        PageCase("contact page", f"/contacts/{contact}", "sales"),
        PageCase("contact list, search", "/contacts?q=contact", "sales"),
        PageCase("import page", "/imports", "admin"),
    ]


def main() -> None:
    run("bench_pages", __doc__ or "", cases)


if __name__ == "__main__":
    sys.exit(main())
