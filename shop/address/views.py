from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from shop.address import divisions


@require_GET
@cache_control(public=True, max_age=86400)
def divisions_json(request: HttpRequest) -> JsonResponse:
    """China's current divisions as ``[[code, name, [[code, name, [[code, name], …]], …]], …]``:
    the data the address form's cascading selects fill themselves from (same origin, no third party).
    """
    return JsonResponse(
        divisions.divisions_as_json_data(), safe=False, json_dumps_params={"ensure_ascii": False}
    )
