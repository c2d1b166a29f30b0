"""A tiny shop service: the demo's code under audit."""
import os

from .storage import upload_receipt


def checkout(cart, customer):
    total = sum(item["price"] * item["qty"] for item in cart)
    receipt = {"customer": customer["id"], "total": round(total, 2)}
    upload_receipt(receipt)
    return receipt


def admin_password():
    # read from the environment: not a finding
    return os.environ.get("ADMIN_PASSWORD", "")
