from oscar.apps.checkout import apps


class CheckoutConfig(apps.CheckoutConfig):
    """Fork: the buyer chooses how to pay, and an order placed holds its stock until paid."""

    name = "shop.checkout"

    def ready(self) -> None:
        super().ready()
        from . import emails  # noqa: F401  (registers the order confirmation's renderer)
        from .receivers import purchases_receiver_connect

        purchases_receiver_connect()
