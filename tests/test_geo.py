import json

import pytest

from geo.counties import UnknownStateError, _cache_path, county_geojson, county_table, state_name


def test_west_virginia_has_55_counties_with_unique_fips_and_the_2020_total():
    table = county_table("54")
    assert len(table) == 55
    assert table["fips"].is_unique
    assert table["fips"].str.fullmatch(r"54\d{3}").all()
    assert int(table["population"].sum()) == 1_793_716
    assert table.set_index("fips").loc["54039", "name"] == "Kanawha"
    assert table.set_index("fips").loc["54039", "population"] == 180_745


def test_the_geojson_ids_match_the_county_table_and_it_is_small(tmp_path):
    geojson = county_geojson("54", tmp_path)
    ids = sorted(f["id"] for f in geojson["features"])
    assert ids == sorted(county_table("54")["fips"])
    size = len(json.dumps(geojson, separators=(",", ":")))
    assert size < 150_000  # the dashboard's target; the foundation's limit is 300 KB


def test_the_geojson_is_cached_on_disk_and_rebuilt_when_absent(tmp_path):
    cache = _cache_path("54", tmp_path)
    assert not cache.exists()
    first = county_geojson("54", tmp_path)
    assert cache.exists()
    from geo import counties

    counties._county_geojson_cached.cache_clear()
    cache.unlink()
    assert county_geojson("54", tmp_path) == first
    assert cache.exists()


def test_another_state_has_names_and_no_invented_populations():
    table = county_table("48")
    assert len(table) == 254
    assert table["population"].isna().all()
    assert state_name("48") == "Texas"


@pytest.mark.parametrize("bad", ["5", "XX", "54' OR '1'='1", "99"])
def test_an_unknown_state_is_refused(bad):
    with pytest.raises(UnknownStateError):
        county_table(bad)
