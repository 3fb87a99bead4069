"""A stand-in for the Shopee Open Platform v2 over real HTTP: API, seller authorization pages,
pushes, and a control API for tests and the demo. See README.md beside this file."""

from shopee.sandbox.sandbox import Sandbox

__all__ = ["Sandbox"]
