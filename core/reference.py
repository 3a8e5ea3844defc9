"""Reference data of the ASEAN Smart Cities Network (shared/DOMAIN.md)."""

from __future__ import annotations

# ISO 3166-1 alpha-2 codes of the ten ASEAN member states, in alphabetical order of their English names.
ASEAN_COUNTRIES = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"]

# The 26 ASCN pilot cities, by member state.
ASCN_CITIES = {
    "BN": ["Bandar Seri Begawan"],
    "KH": ["Battambang", "Phnom Penh", "Siem Reap"],
    "ID": ["Banyuwangi", "DKI Jakarta", "Makassar"],
    "LA": ["Luang Prabang", "Vientiane"],
    "MY": ["Johor Bahru", "Kota Kinabalu", "Kuala Lumpur", "Kuching"],
    "MM": ["Mandalay", "Nay Pyi Taw", "Yangon"],
    "PH": ["Cebu City", "Davao City", "Manila"],
    "SG": ["Singapore"],
    "TH": ["Bangkok", "Chonburi", "Phuket"],
    "VN": ["Da Nang", "Hanoi", "Ho Chi Minh City"],
}

# The five thematic workshops of the annual meeting.
ASCN_WORKSHOP_THEMES = [
    "Smart urban planning and management in urbanisation strategy",
    "Digital infrastructure and foundational digital technology for smart cities",
    "Smart services in national digital transformation",
    "Smart energy in urbanisation and urban development",
    "Smart transport in urbanisation strategy",
]
