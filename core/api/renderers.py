from djangorestframework_camel_case.render import CamelCaseJSONRenderer as _Base


class CamelCaseJSONRenderer(_Base):
    """JSON out, snake_case keys camelised (caller-defined maps such as metadata left alone)."""

    charset = "utf-8"
