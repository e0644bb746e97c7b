def test_public_store_metadata(public, shop):
    response = public.get("")
    assert response.status_code == 200
    assert response.json()["data"]["id"] == shop.store.id
