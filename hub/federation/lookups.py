"""Every batch look-up the hub makes, named once: which source, which method, what a miss returns."""

from __future__ import annotations

from dataclasses import dataclass

from connectors import registry


@dataclass(frozen=True, slots=True)
class Lookup:
    connector: str  # source name in the registry ("court" is the hub's own data)
    method: str  # batch method on the source: keys -> {key: value}
    many: bool  # a miss is [] (list look-up) rather than None

    def __str__(self) -> str:
        return f"{self.connector}.{self.method}"


# public security
IDENTITIES = Lookup("public_security", "identities", many=False)
PERSONS_REGISTERED = Lookup("public_security", "registered", many=False)
VEHICLES_BY_OWNER = Lookup("public_security", "vehicles_by_owner", many=True)
VEHICLES_BY_PLATE = Lookup("public_security", "vehicles_by_plate", many=False)
ACCOMMODATIONS = Lookup("public_security", "accommodations", many=True)
BOOKINGS = Lookup("public_security", "bookings", many=True)
PASSAGES = Lookup("public_security", "passages", many=True)
# real-estate registry
PROPERTIES_BY_OWNER = Lookup("real_estate", "properties_by_owner", many=True)
PROPERTIES_BY_UNIT = Lookup("real_estate", "properties_by_unit", many=False)
# market supervision
ENTERPRISES = Lookup("market_supervision", "enterprises", many=False)
ENTERPRISES_REGISTERED = Lookup("market_supervision", "registered", many=False)
SHAREHOLDERS = Lookup("market_supervision", "shareholders", many=True)
STAKES_BY_HOLDER = Lookup("market_supervision", "stakes_by_holder", many=True)
STAKES_BY_ID = Lookup("market_supervision", "stakes_by_id", many=False)
KEY_PERSONNEL = Lookup("market_supervision", "key_personnel", many=True)
LICENCES = Lookup("market_supervision", "licences", many=True)
PENALTIES = Lookup("market_supervision", "penalties", many=True)
CREDIT = Lookup("market_supervision", "credit", many=False)
ROLES_BY_PERSON = Lookup("market_supervision", "roles_by_person", many=True)
# social security
INSURANCE = Lookup("social_security", "insurance", many=True)
HOUSING_FUND = Lookup("social_security", "housing_fund", many=False)
QUALIFICATIONS = Lookup("social_security", "qualifications", many=True)
ENTERPRISE_INSURANCE = Lookup("social_security", "enterprise_insurance", many=False)
# tax
TAX_REGISTRATION = Lookup("tax", "registrations", many=False)
TAX_BUSINESSES = Lookup("tax", "businesses", many=True)
TAX_FILINGS = Lookup("tax", "filings", many=True)
TAX_ARREARS = Lookup("tax", "arrears", many=True)
TAX_REFUNDS = Lookup("tax", "refunds", many=True)
INCOME_TAX = Lookup("tax", "income_tax", many=True)
# water, electricity and gas
UTILITIES_BY_HOLDER = Lookup("utilities", "accounts_by_holder", many=True)
UTILITIES_BY_ADDRESS = Lookup("utilities", "accounts_by_address", many=True)
# the banks: one look-up per bank, asked together (a profile's deposits fan out to every bank)
DEPOSITS = {name: Lookup(name, "deposits", many=True) for name in registry.banks()}
# an account by its number at each bank (the FREEZE order's checks: holder, currency)
ACCOUNTS = {name: Lookup(name, "accounts", many=False) for name in registry.banks()}
# the court's own data
CASES_BY_PARTY = Lookup("court", "cases_by_party", many=True)
SANCTIONS_BY_SUBJECT = Lookup("court", "sanctions_by_subject", many=True)
CASE_PURPOSES = Lookup("court", "purposes", many=False)
WAITING_LINE = Lookup("court", "orders_by_asset", many=True)
# the agencies' registers of courts' measures (the waiting line outside the hub), by asset type
MEASURES = {
    "REAL_ESTATE": Lookup("real_estate", "measures", many=True),
    "VEHICLE": Lookup("public_security", "measures", many=True),
    "EQUITY": Lookup("market_supervision", "measures", many=True),
}
