"""Shopee Open Platform v2: the client the product uses and the sandbox that stands in for Shopee.

Nothing in this package imports Django.
"""
