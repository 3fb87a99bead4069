"""The `twd` filter: NT$1,234 (orders.money)."""

from django import template

from orders.money import twd

register = template.Library()
register.filter("twd", twd)
