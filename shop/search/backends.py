"""Whoosh, analysed with jieba so that Chinese product names are searchable.

Haystack's Whoosh backend analyses text with an English stemmer that treats a
run of Chinese characters as one word: "老鹰茶" would never match "东川老鹰茶".
Every text field of the schema is analysed with jieba's ChineseAnalyzer here.
"""

from typing import Any

from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from whoosh.fields import TEXT


def chinese_analyzer() -> Any:
    # Lazy for start-up cost: jieba is heavy, and only the search index needs it.
    import jieba
    from jieba.analyse import ChineseAnalyzer

    jieba.setLogLevel(60)  # jieba announces its dictionary loading on every start
    return ChineseAnalyzer()


class ChineseWhooshSearchBackend(WhooshSearchBackend):
    def build_schema(self, fields: dict) -> tuple[str, Any]:
        content_field_name, schema = super().build_schema(fields)
        analyzer = chinese_analyzer()
        for name in list(schema.names()):
            field = schema[name]
            if isinstance(field, TEXT):
                schema.remove(name)
                schema.add(
                    name,
                    TEXT(
                        stored=field.stored,
                        analyzer=analyzer,
                        field_boost=field.format.field_boost,
                        spelling=False,
                    ),
                )
        return content_field_name, schema


class ChineseWhooshEngine(WhooshEngine):
    backend = ChineseWhooshSearchBackend
