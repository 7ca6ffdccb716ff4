"""Addresses printed in Chinese order (shop/address/printing.py) for templates."""

from django import template

from shop.address import printing

register = template.Library()

register.filter("mobile_cn", printing.mobile_cn)
register.filter("recipient_cn", printing.recipient_cn)
register.filter("region_lines_cn", printing.region_lines_cn)
