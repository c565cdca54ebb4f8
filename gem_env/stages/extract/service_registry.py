"""The features a service domain may have (service_feature.py), in the order their tools and
workflows are listed: a new feature is its module and one line here."""
from __future__ import annotations

from .service_additions import ADDITIONS
from .service_bookings import BOOKINGS
from .service_certificates import CERTIFICATES
from .service_connections import CONNECTIONS
from .service_cycles import CYCLES
from .service_exchanges import EXCHANGES
from .service_extensions import EXTENSIONS
from .service_feature import Feature
from .service_issue import ISSUING
from .service_moves import MOVES
from .service_offers import OFFERS
from .service_perks import PERKS
from .service_places import PLACES
from .service_products import OPENINGS
from .service_rebooking import REBOOKING
from .service_tiers import TIERS
from .service_tracking import TRACKING

FEATURES: tuple[Feature, ...] = (BOOKINGS, REBOOKING, PLACES, CONNECTIONS, MOVES, OPENINGS, TIERS, PERKS, CERTIFICATES,
                                 ISSUING, ADDITIONS, EXCHANGES, TRACKING, EXTENSIONS, CYCLES, OFFERS)
#: the features' methods, the bases of `ToolKit` after its reads, writes and workflows
MIXINS: tuple[type, ...] = tuple(dict.fromkeys(f.mixin for f in FEATURES))

__all__ = ["FEATURES", "MIXINS"]
