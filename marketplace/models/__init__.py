"""All tables. Importing this package registers every table on SQLModel.metadata."""

from marketplace.models.accounts import (
    LoginFailure,
    Organization,
    OrgInvitation,
    OrgKind,
    OrgStatus,
    Role,
    User,
    UserSession,
)
from marketplace.models.audit import AuditCheckpoint, AuditRecord
from marketplace.models.catalog_index import FacetCombo, FacetCount, ProductFacet, WordCount  # noqa: F401
from marketplace.models.commerce import (
    ApiKey,
    ApiKeyStatus,
    Entitlement,
    EntitlementStatus,
    InvoiceKind,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    UseType,
)
from marketplace.models.delivery import Deliverable, DeliveryCopy, OfflineDelivery, OfflineDeliveryStatus  # noqa: F401
from marketplace.models.demand import AccessApplication, QuoteMessage, QuoteOffer, QuoteRequest  # noqa: F401
from marketplace.models.metering import ApiDataset, DatasetRow, QuotaCounter, RateBucket, UsageEvent  # noqa: F401
from marketplace.models.payments import Payment, PaymentKind, StripeEvent  # noqa: F401
from marketplace.models.supply import (
    Agreement,
    AgreementStatus,
    BrokerQualification,
    CapPrice,
    Mandate,
    MandateProduct,
    MandateStatus,
    Openness,
    PricePlan,
    Product,
    ProductRevision,
    ProductStatus,
    ProductType,
    RevisionStatus,
    SecurityGrade,
)

__all__ = [
    "Agreement", "AgreementStatus", "ApiKey", "ApiKeyStatus", "BrokerQualification", "CapPrice",
    "Entitlement", "EntitlementStatus", "InvoiceKind", "Mandate", "MandateProduct", "MandateStatus", "Openness",
    "Order", "OrderLine", "OrderStatus", "PaymentMethod", "PricePlan", "Product", "ProductRevision",
    "ProductStatus", "ProductType", "RevisionStatus", "SecurityGrade", "UseType",
    "AuditCheckpoint",
    "AuditRecord",
    "LoginFailure",
    "OrgInvitation",
    "OrgKind",
    "OrgStatus",
    "Organization",
    "Role",
    "User",
    "UserSession",
]
from marketplace.models.billing import BillStatus, UsageBill, UsageReceipt, UsageSealMark  # noqa: E402, F401
from marketplace.models.disclosure import Disclosure  # noqa: E402, F401
from marketplace.models.notifications import Notification, NotificationPreference  # noqa: E402, F401
from marketplace.models.returns import CostCategory, CostEntry, ReportStatus, ReturnReport  # noqa: E402, F401
from marketplace.models.settlement import (  # noqa: E402, F401
    Account,
    BilledLine,
    LedgerPosting,
    LedgerTransaction,
    LineSource,
    PartyKind,
    PeriodStatus,
    SettlementPeriod,
    Statement,
    StatementLine,
    StatementStatus,
)
