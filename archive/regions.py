"""Region code and administrative level of an agency, inferred from its name.

Codes are GB/T 2260 province-level codes written as six digits (``110000`` 北京市), so that
a subscription's region prefix (``11``) matches every agency of that province. Names that
begin with no province or municipality (ministries, 国家税务总局) are national (``000000``).
City- and county-level codes would need the full GB/T 2260 table; until nianbao ships it,
agencies below the province carry their province's code and a level read from the name.
"""
from __future__ import annotations

import re

PROVINCES: dict[str, str] = {
    "北京": "110000", "天津": "120000", "河北": "130000", "山西": "140000", "内蒙古": "150000",
    "辽宁": "210000", "吉林": "220000", "黑龙江": "230000", "上海": "310000", "江苏": "320000",
    "浙江": "330000", "安徽": "340000", "福建": "350000", "江西": "360000", "山东": "370000",
    "河南": "410000", "湖北": "420000", "湖南": "430000", "广东": "440000", "广西": "450000",
    "海南": "460000", "重庆": "500000", "四川": "510000", "贵州": "520000", "云南": "530000",
    "西藏": "540000", "陕西": "610000", "甘肃": "620000", "青海": "630000", "宁夏": "640000",
    "新疆": "650000",
}
# Provincial capitals and other cities whose names don't carry their province (a small,
# well-known set; names are matched at the start of the agency name).
CITIES: dict[str, str] = {
    "石家庄": "13", "邯郸": "13", "太原": "14", "呼和浩特": "15", "沈阳": "21", "大连": "21",
    "长春": "22", "哈尔滨": "23", "南京": "32", "苏州": "32", "淮安": "32", "杭州": "33",
    "宁波": "33", "温州": "33", "桐乡": "33", "合肥": "34", "蚌埠": "34", "怀远": "34",
    "福州": "35", "厦门": "35", "南昌": "36", "济南": "37", "青岛": "37", "平度": "37",
    "郑州": "41", "济源": "41", "武汉": "42", "长沙": "43", "广州": "44", "深圳": "44",
    "普宁": "44", "南宁": "45", "海口": "46", "成都": "51", "贵阳": "52", "昆明": "53",
    "拉萨": "54", "西安": "61", "铜川": "61", "延安": "61", "兰州": "62", "西宁": "63",
    "银川": "64", "乌鲁木齐": "65",
}
NATIONAL = "000000"
_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")


def infer_region(agency: str | None) -> tuple[str | None, str | None]:
    """``(region_code, level)`` for an agency name; ``(None, None)`` when nothing is known.

    >>> infer_region("北京市公安局")
    ('110000', 'province')
    >>> infer_region("西安市公安局")
    ('610000', 'city')
    >>> infer_region("国家税务总局")
    ('000000', 'national')
    """
    if not agency:
        return None, None
    name = agency.strip()
    for province, code in PROVINCES.items():
        if name.startswith(province):
            rest = name[len(province):].lstrip("省市").lstrip("壮族回族维吾尔自治区")
            return code, _level(rest, municipality=province in _MUNICIPALITIES)
    for city, prefix in CITIES.items():
        if name.startswith(city):
            return prefix + "0000", _level(name[len(city):].lstrip("市"), municipality=False, base="city")
    if name.startswith(("国家", "国务院", "中华人民共和国")) or re.fullmatch(r"[^省市县区]{2,12}(部|总局|委员会|署|局)", name):
        return NATIONAL, "national"
    return None, _level(name, municipality=False, base=None)


def _level(rest: str, *, municipality: bool, base: str | None = "province") -> str | None:
    """The level below the matched place name: a 区/县 makes it county level, a 市 city level."""
    if re.match(r"^(?:[^局厅委办]{1,8})?(县|区|旗)", rest):
        return "county"
    places = re.match(r"^(?:[^局厅委办市]{1,8}市)+", rest)
    if places:
        cities = places.group(0).count("市") + (base == "city")
        return "city" if cities == 1 else "county"
    return base


def region_name(code: str | None) -> str:
    """The name of a region code for people (``110000`` -> ``北京``); the code itself when unknown."""
    if not code:
        return "未知地区"
    code = code.ljust(6, "0")
    if code == NATIONAL:
        return "中央"
    for name, province in PROVINCES.items():
        if province == code:
            return name
    return code
