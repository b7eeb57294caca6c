"""Behavioural and product-usage signals (SPEC §1, §6-8): check, place, store, attach."""
