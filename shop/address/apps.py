import oscar.apps.address.apps as apps


class AddressConfig(apps.AddressConfig):
    """Fork: the Chinese address form (收货人, 手机号, 省/市/区, 详细地址, 邮编)."""

    name = "shop.address"
