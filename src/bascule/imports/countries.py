"""Country names and codes as people type them, to ISO 3166-1 alpha-2. Pure table and lookup."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Every assigned ISO 3166-1 alpha-2 code.
ALPHA2 = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
    """.split()
)

# Code: alpha-3 code, then names in English, French, German, Spanish and common variants.
# Written as people type them; lookups ignore case, accents, spaces and punctuation.
_NAMES: dict[str, str] = {
    "FR": "FRA France, République française",
    "BE": "BEL Belgium, Belgique, Belgien, Bélgica, België",
    "CH": "CHE Switzerland, Suisse, Schweiz, Suiza, Svizzera",
    "LU": "LUX Luxembourg, Luxemburg, Luxemburgo",
    "MC": "MCO Monaco",
    "DE": "DEU Germany, Allemagne, Deutschland, Alemania, Germania",
    "AT": "AUT Austria, Autriche, Österreich",
    "NL": "NLD Netherlands, The Netherlands, Pays-Bas, Niederlande, Holland, Nederland",
    "GB": "GBR United Kingdom, UK, U.K., Great Britain, Britain, England, Scotland, Wales, "
    "Northern Ireland, Royaume-Uni, Angleterre, Grande-Bretagne, Großbritannien, Reino Unido",
    "IE": "IRL Ireland, Irlande, Irland, Irlanda",
    "ES": "ESP Spain, Espagne, Spanien, España",
    "PT": "PRT Portugal",
    "IT": "ITA Italy, Italie, Italien, Italia",
    "GR": "GRC Greece, Grèce, Griechenland, Grecia, Ελλάδα",
    "DK": "DNK Denmark, Danemark, Dänemark, Dinamarca, Danmark",
    "SE": "SWE Sweden, Suède, Schweden, Suecia, Sverige",
    "NO": "NOR Norway, Norvège, Norwegen, Noruega, Norge",
    "FI": "FIN Finland, Finlande, Finnland, Finlandia, Suomi",
    "IS": "ISL Iceland, Islande, Island",
    "PL": "POL Poland, Pologne, Polen, Polonia, Polska",
    "CZ": "CZE Czechia, Czech Republic, République tchèque, Tchéquie, Tschechien",
    "SK": "SVK Slovakia, Slovaquie, Slowakei",
    "HU": "HUN Hungary, Hongrie, Ungarn, Hungría",
    "RO": "ROU Romania, Roumanie, Rumänien, Rumanía",
    "BG": "BGR Bulgaria, Bulgarie, Bulgarien",
    "HR": "HRV Croatia, Croatie, Kroatien",
    "SI": "SVN Slovenia, Slovénie, Slowenien",
    "RS": "SRB Serbia, Serbie, Serbien",
    "EE": "EST Estonia, Estonie, Estland",
    "LV": "LVA Latvia, Lettonie, Lettland",
    "LT": "LTU Lithuania, Lituanie, Litauen",
    "UA": "UKR Ukraine",
    "RU": "RUS Russia, Russian Federation, Russie, Russland, Rusia",
    "TR": "TUR Turkey, Türkiye, Turquie, Türkei, Turquía",
    "CY": "CYP Cyprus, Chypre, Zypern",
    "MT": "MLT Malta, Malte",
    "US": "USA United States, United States of America, U.S.A., U.S., America, États-Unis, "
    "Etats-Unis d'Amérique, Vereinigte Staaten, Estados Unidos",
    "CA": "CAN Canada, Kanada",
    "MX": "MEX Mexico, Mexique, Mexiko, México",
    "BR": "BRA Brazil, Brésil, Brasilien, Brasil",
    "AR": "ARG Argentina, Argentine, Argentinien",
    "CL": "CHL Chile, Chili",
    "CO": "COL Colombia, Colombie, Kolumbien",
    "PE": "PER Peru, Pérou, Perú",
    "AU": "AUS Australia, Australie, Australien",
    "NZ": "NZL New Zealand, Nouvelle-Zélande, Neuseeland",
    "CN": "CHN China, Chine, People's Republic of China",
    "HK": "HKG Hong Kong",
    "TW": "TWN Taiwan, Taïwan",
    "JP": "JPN Japan, Japon, Japón",
    "KR": "KOR South Korea, Korea, Republic of Korea, Corée du Sud, Südkorea",
    "IN": "IND India, Inde, Indien",
    "PK": "PAK Pakistan",
    "BD": "BGD Bangladesh",
    "LK": "LKA Sri Lanka",
    "NP": "NPL Nepal, Népal",
    "SG": "SGP Singapore, Singapour, Singapur",
    "MY": "MYS Malaysia, Malaisie",
    "ID": "IDN Indonesia, Indonésie, Indonesien",
    "TH": "THA Thailand, Thaïlande",
    "VN": "VNM Vietnam, Viet Nam, Viêt Nam",
    "PH": "PHL Philippines, Philippinen",
    "AE": "ARE United Arab Emirates, UAE, Émirats arabes unis, Vereinigte Arabische Emirate",
    "SA": "SAU Saudi Arabia, Arabie saoudite, Saudi-Arabien",
    "QA": "QAT Qatar, Katar",
    "KW": "KWT Kuwait, Koweït",
    "BH": "BHR Bahrain, Bahreïn",
    "OM": "OMN Oman",
    "IL": "ISR Israel, Israël",
    "LB": "LBN Lebanon, Liban, Libanon",
    "JO": "JOR Jordan, Jordanie",
    "EG": "EGY Egypt, Égypte, Ägypten",
    "MA": "MAR Morocco, Maroc, Marokko, Marruecos",
    "DZ": "DZA Algeria, Algérie, Algerien",
    "TN": "TUN Tunisia, Tunisie, Tunesien",
    "SN": "SEN Senegal, Sénégal",
    "CI": "CIV Côte d'Ivoire, Ivory Coast, Elfenbeinküste",
    "CM": "CMR Cameroon, Cameroun, Kamerun",
    "NG": "NGA Nigeria",
    "GH": "GHA Ghana",
    "KE": "KEN Kenya",
    "TZ": "TZA Tanzania, Tanzanie",
    "UG": "UGA Uganda, Ouganda",
    "ZA": "ZAF South Africa, Afrique du Sud, Südafrika",
    "LR": "LBR Liberia",
    "ZW": "ZWE Zimbabwe",
    "ZM": "ZMB Zambia, Zambie",
    "ET": "ETH Ethiopia, Éthiopie",
    "MU": "MUS Mauritius, Maurice, Île Maurice",
    "RE": "REU Réunion, La Réunion",
    "MQ": "MTQ Martinique",
    "GP": "GLP Guadeloupe",
    "GF": "GUF French Guiana, Guyane, Guyane française",
    "NC": "NCL New Caledonia, Nouvelle-Calédonie",
    "PF": "PYF French Polynesia, Polynésie française",
    "YT": "MYT Mayotte",
}


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isalnum())


def _index() -> dict[str, str]:
    index = {_key(code): code for code in ALPHA2}
    index["uk"] = "GB"  # not ISO, but what everyone writes
    for code, line in _NAMES.items():
        alpha3, _, names = line.partition(" ")
        index[_key(alpha3)] = code
        for name in names.split(","):
            index[_key(name)] = code
    return index


_INDEX = _index()


@lru_cache(maxsize=4096)  # files repeat the same few countries on every row
def country_code(text: str) -> str | None:
    """ISO alpha-2 code for a country code (2 or 3 letters) or a common name, else None.

    >>> country_code("fr"), country_code("United States"), country_code("U.S.A.")
    ('FR', 'US', 'US')
    """
    return _INDEX.get(_key(text))
