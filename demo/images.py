"""Product and page pictures drawn with Pillow when the demo loads (nothing is downloaded), and
the Wagtail image each becomes."""

import io
import random
from pathlib import Path

from django.core.files.images import ImageFile
from PIL import Image, ImageDraw, ImageFont
from wagtail.images.models import Image as WagtailImage

CJK_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
]


def _font(size: int) -> ImageFont.FreeTypeFont | None:
    for path in CJK_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return None  # no CJK font on this machine: the picture goes without its caption


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def produce_picture(
    *, caption: str, background: str, item: str, shape: str, seed: int, size: int = 640
) -> bytes:
    """A square picture: a soft field, a heap of the produce, and its name."""
    rng = random.Random(seed)
    top, bottom = _hex(background), tuple(min(255, c + 60) for c in _hex(background))
    image = Image.new("RGB", (size, size), top)
    draw = ImageDraw.Draw(image)
    for y in range(size):
        t = y / size
        row = tuple(int(top[i] * (1 - t) + bottom[i] * t) for i in range(3))
        draw.line([(0, y), (size, y)], fill=row)
    # a wooden tray
    draw.rounded_rectangle(
        [size * 0.1, size * 0.55, size * 0.9, size * 0.8], radius=30, fill=(150, 104, 62)
    )
    base = _hex(item)
    for _ in range(18):
        cx = rng.uniform(size * 0.18, size * 0.82)
        cy = rng.uniform(size * 0.38, size * 0.62)
        r = rng.uniform(size * 0.05, size * 0.09)
        shade = tuple(max(0, min(255, c + rng.randint(-25, 25))) for c in base)
        if shape == "leaf":
            draw.ellipse([cx - r * 1.6, cy - r * 0.6, cx + r * 1.6, cy + r * 0.6], fill=shade)
        elif shape == "strand":
            draw.arc([cx - r * 2, cy - r, cx + r * 2, cy + r], 0, 180, fill=shade, width=6)
        elif shape == "flower":
            for k in range(5):
                dx, dy = [(0, -1), (1, 0), (0, 1), (-1, 0), (0, 0)][k]
                draw.ellipse(
                    [
                        cx + dx * r * 0.6 - r * 0.6,
                        cy + dy * r * 0.6 - r * 0.6,
                        cx + dx * r * 0.6 + r * 0.6,
                        cy + dy * r * 0.6 + r * 0.6,
                    ],
                    fill=shade,
                )
        else:
            draw.ellipse([cx - r * 1.2, cy - r, cx + r * 1.2, cy + r], fill=shade)
    font = _font(int(size * 0.085))
    if font is not None:
        box = draw.textbbox((0, 0), caption, font=font)
        width = box[2] - box[0]
        draw.rounded_rectangle(
            [(size - width) / 2 - 24, size * 0.84, (size + width) / 2 + 24, size * 0.96],
            radius=18,
            fill=(255, 255, 255),
        )
        draw.text(((size - width) / 2, size * 0.845), caption, font=font, fill=(46, 94, 46))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def banner_picture(*, width: int = 1600, height: int = 560) -> bytes:
    """Terraced red earth under a blue sky, after Dongchuan's 红土地."""
    image = Image.new("RGB", (width, height), (120, 180, 230))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)], fill=(int(110 + 80 * t), int(170 + 50 * t), int(230 - 20 * t))
        )
    colours = [(178, 72, 36), (204, 102, 51), (120, 160, 60), (190, 86, 40), (214, 168, 74)]
    for i, colour in enumerate(colours):
        top = height * (0.45 + i * 0.11)
        points: list[tuple[float, float]] = [(0, height)]
        for x in range(0, width + 1, 80):
            points.append((x, top + 30 * ((x // 80 + i) % 3)))
        points.append((width, height))
        draw.polygon(points, fill=colour)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def wagtail_image(*, title: str, content: bytes, filename: str) -> WagtailImage:
    """The Wagtail image of that title, made from ``content`` the first time (the demo loads again)."""
    image = WagtailImage.objects.filter(title=title).first()
    if image is None:
        image = WagtailImage(title=title, file=ImageFile(io.BytesIO(content), name=filename))
        image.save()
    return image
