public_urlpatterns: list = []
private_urlpatterns: list = []
