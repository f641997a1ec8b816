"""Narrow side tables of the catalog search: one row per listed product with its facet values.

Derived data (rebuilt by `marketplace.catalog.facet_index`), so no foreign keys: a product's row exists
exactly while the product is listed. `combo_id` names the product's combination of facet values (a hash
of them, spelled out once in FacetCombo), so counting groups by two integers instead of eight strings.
"""

from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel


class ProductFacet(SQLModel, table=True):
    """The facet values of one listed product (R5's agreement check still happens at read time)."""

    __tablename__ = "product_facet"
    __table_args__ = (Index("ix_product_facet_cube", "agreement_id", "combo_id"),)
    product_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    agreement_id: int
    combo_id: int = Field(sa_type=BigInteger)
    type: str = Field(max_length=30)
    domain: str = Field(max_length=40)
    region: str = Field(default="", max_length=60)
    operator_id: int
    openness: str = Field(max_length=30)
    update_frequency: str = Field(max_length=30)
    price: str = Field(max_length=20)  # a key of catalog.queries.PRICE_RANGES
    charge_forms: str = Field(default="", max_length=300)  # " one_off free_public "
    # the title lower-cased: relevance puts products whose title holds every search word first (catalog.queries)
    lower_title: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class FacetCombo(SQLModel, table=True):
    """One combination of facet values, named by a hash of them (rows are never changed)."""

    __tablename__ = "facet_combo"
    id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    type: str = Field(max_length=30)
    domain: str = Field(max_length=40)
    region: str = Field(default="", max_length=60)
    operator_id: int
    openness: str = Field(max_length=30)
    update_frequency: str = Field(max_length=30)
    price: str = Field(max_length=20)
    charge_forms: str = Field(default="", max_length=300)


class FacetCount(SQLModel, table=True):
    """Listed products per agreement and facet combination: product_facet counted ahead.

    A catalog query without search words counts its facets from these few rows instead of every listed
    product's row; catalog.facet_index adds and takes away as it writes product_facet.
    """

    __tablename__ = "facet_count"
    agreement_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    combo_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    listed: int = 0


class WordCount(SQLModel, table=True):
    """Listed products per search word, agreement and facet combination: product_facet counted ahead by word.

    A catalog query of one plain word counts its facets from these rows instead of every matching product's
    row. The words are those of the full-text index (FTS5 tokens on SQLite, tsvector lexemes on PostgreSQL),
    so counting by word agrees with matching by word; catalog.facet_index keeps them with the facet rows.
    """

    __tablename__ = "word_count"
    word: str = Field(sa_type=Text, primary_key=True)
    agreement_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    combo_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    listed: int = 0
