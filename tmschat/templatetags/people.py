"""People as the header names them (accounts.people)."""

from django import template

from accounts.people import display_name

register = template.Library()
register.filter("display_name", display_name)
