"""The address app's models: Oscar's, with a saved address summed up in Chinese order.

No field changes: ``summary`` (Oscar's messages, e.g. "地址 '…' 已创建") reads
收货人 省 市 区 详细地址 (邮编) instead of Oscar's comma-separated Western order.
"""

from oscar.apps.address.abstract_models import AbstractUserAddress

from shop.address.printing import address_one_line


class UserAddress(AbstractUserAddress):
    @property
    def summary(self) -> str:
        return address_one_line(self)


from oscar.apps.address.models import *  # noqa: E402, F403
