from djangorestframework_camel_case.parser import CamelCaseJSONParser as _Base


class CamelCaseJSONParser(_Base):
    """JSON in, camelCase keys turned into snake_case for the serializers."""
