"""Synthetic Olist marketplace: the nine Kaggle CSV files, at the published row counts in full.

The generator models the marketplace rather than noise: orders grow through 2017 with a Black
Friday spike, each status leaves later lifecycle timestamps empty, northern and north-eastern
customers wait longer and are late more often, late orders get worse reviews, vouchers split
payments that add up to the items' price plus freight, repeat buyers keep one
``customer_unique_id`` across per-order ``customer_id``\\ s, and sellers reprice products.
Everything is vectorised with numpy and written through pyarrow compute kernels.
"""

from __future__ import annotations

import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.sources.contract import Scale
from retail_lakehouse.sources.synth import (
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    BoolArray,
    FloatArray,
    IntArray,
    choose_weighted,
    find_run_starts,
    format_cents,
    format_epoch_seconds,
    format_zero_padded,
    number_within_runs,
    take_words,
    weekday_of,
    write_csv,
)

# --------------------------------------------------------------------------------------------
# Published sizes and shapes
# --------------------------------------------------------------------------------------------

#: Orders written per scale; every other file is sized in proportion to the published data.
ORDERS_BY_SCALE = {Scale.small: 2_000, Scale.medium: 10_000, Scale.full: 99_441}

#: Row counts of the Kaggle release (keys are this module's table names).
PUBLISHED_ROWS = {
    "orders": 99_441,
    "customers": 99_441,
    "people": 96_096,
    "order_items": 112_650,
    "orders_with_items": 98_666,
    "multi_item_orders": 9_803,
    "order_payments": 103_886,
    "order_reviews": 99_224,
    "reviewed_orders": 98_673,
    "products": 32_951,
    "uncategorised_products": 610,
    "unmeasured_products": 2,
    "sellers": 3_095,
    "geolocation": 1_000_163,
    "geolocation_zip_prefixes": 19_015,
    "geolocation_outliers": 42,
    "delivered_without_approval": 14,
}

#: Orders by status in the published file.
ORDER_STATUS_COUNTS = (
    ("delivered", 96_478),
    ("shipped", 1_107),
    ("canceled", 625),
    ("unavailable", 609),
    ("invoiced", 314),
    ("processing", 301),
    ("created", 5),
    ("approved", 2),
)
ORDER_STATUSES = tuple(status for status, _ in ORDER_STATUS_COUNTS)
DELIVERED, SHIPPED, CANCELED, UNAVAILABLE, INVOICED, PROCESSING, CREATED, APPROVED = range(8)

#: Orders by the payment type of their first payment row; vouchers add extra rows.
PAYMENT_TYPES = ("credit_card", "boleto", "debit_card", "voucher", "not_defined")
CREDIT_CARD, BOLETO, DEBIT_CARD, VOUCHER, NOT_DEFINED = range(5)
ORDERS_BY_FIRST_PAYMENT = (76_795, 19_784, 1_529, 1_330, 3)
#: Extra voucher rows that go to card orders (the rest split voucher-only orders further).
EXTRA_VOUCHERS_ON_CARDS = 0.55

#: Credit-card installments 0..24 (published frequencies; 0 is a real quirk, left out).
CARD_INSTALLMENT_COUNTS = (
    0, 25_455, 12_413, 10_461, 7_098, 5_239, 3_920, 1_626, 4_268, 644, 5_328,
    23, 133, 16, 15, 74, 5, 8, 27, 0, 17, 3, 1, 1, 18,
)  # fmt: skip
#: Smallest installment a card accepts, in cents: cheap orders cannot be split 10 times.
MIN_INSTALLMENT_CENTS = 500

#: Orders per month of the published data: launch in late 2016, growth through 2017.
MONTHLY_ORDERS = (
    ("2016-09", 4), ("2016-10", 324), ("2016-11", 0), ("2016-12", 1),
    ("2017-01", 800), ("2017-02", 1_780), ("2017-03", 2_682), ("2017-04", 2_404),
    ("2017-05", 3_700), ("2017-06", 3_245), ("2017-07", 4_026), ("2017-08", 4_331),
    ("2017-09", 4_285), ("2017-10", 4_631), ("2017-11", 7_544), ("2017-12", 5_673),
    ("2018-01", 7_269), ("2018-02", 6_728), ("2018-03", 7_211), ("2018-04", 6_939),
    ("2018-05", 6_873), ("2018-06", 6_167), ("2018-07", 6_292), ("2018-08", 6_512),
    ("2018-09", 16), ("2018-10", 4),
)  # fmt: skip
FIRST_DAY = np.datetime64("2016-09-04", "D")
LAST_DAY = np.datetime64("2018-10-17", "D")
#: Orders placed from this day on were all canceled (the platform export ends mid-flight).
CANCELED_TAIL_START = np.datetime64("2018-09-01", "D")
#: Days with a known pull on orders (Black Friday 2017 and its weekend; holidays).
SPECIAL_DAY_FACTORS = {
    "2017-11-24": 6.2,
    "2017-11-25": 1.7,
    "2017-11-26": 1.5,
    "2017-11-27": 1.6,
    "2017-12-24": 0.5,
    "2017-12-25": 0.4,
    "2017-12-31": 0.5,
    "2018-01-01": 0.5,
}
BLACK_FRIDAY_WEEK = (np.datetime64("2017-11-23", "D"), np.datetime64("2017-11-28", "D"))
#: The first months trickled: only these days saw orders (others of the month get none).
SPARSE_MONTH_DAYS = {
    "2016-09": (4, 5, 13, 15),
    "2016-10": (3, 4, 5, 6, 7, 8, 9, 10),
    "2016-12": (23,),
    "2018-10": (1, 3, 16, 17),
}
#: Monday..Sunday: Brazilians shop early in the week.
WEEKDAY_FACTORS = (1.14, 1.14, 1.10, 1.04, 0.99, 0.76, 0.84)
#: Orders per hour of day 0..23.
HOUR_WEIGHTS = (
    2.5, 1.2, 0.5, 0.27, 0.2, 0.19, 0.5, 1.2, 3.0, 4.8, 6.2, 6.6,
    6.0, 6.5, 6.6, 6.4, 6.7, 6.2, 5.8, 5.9, 6.2, 6.2, 5.8, 4.1,
)  # fmt: skip

#: Share of people with more than one order.
REPEAT_BUYER_SHARE = 0.0312
#: Share of delivered orders that arrive after the estimated date.
LATE_DELIVERY_SHARE = 0.081
#: Review score probabilities 1..5 for on-time, late and undelivered orders.
REVIEW_SCORE_PROBABILITIES = (
    (0.060, 0.024, 0.080, 0.205, 0.631),
    (0.480, 0.090, 0.120, 0.110, 0.200),
    (0.700, 0.060, 0.080, 0.050, 0.110),
)
#: Chance that a review carries a message, by score 1..5 (most reviews are score-only).
REVIEW_MESSAGE_SHARE = (0.80, 0.75, 0.55, 0.35, 0.33)
REVIEW_TITLE_SHARE = 0.12
MULTILINE_MESSAGE_SHARE = 0.05
#: Share of multi-item orders whose next item repeats the previous product (quantity > 1).
REPEATED_ITEM_SHARE = 0.65
#: Share of seller city names typed with the state appended ("sao paulo - sp").
SELLER_CITY_WITH_STATE_SHARE = 0.01
#: Distinct geocoded points per geolocation row of a prefix; rows reuse points, hence
#: a quarter of the published rows are exact duplicates.
GEOCODED_POINTS_PER_ROW = 1.5
#: Share of geolocation rows whose city keeps its accents ("são paulo" next to "sao paulo").
ACCENTED_CITY_SHARE = 0.15

# --------------------------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------------------------

REGIONS = ("N", "NE", "CO", "SE", "S")
#: (state, region, customers, sellers) in the published data.
STATES = (
    ("SP", "SE", 41_746, 1_849), ("RJ", "SE", 12_852, 171), ("MG", "SE", 11_635, 244),
    ("RS", "S", 5_466, 129), ("PR", "S", 5_045, 349), ("SC", "S", 3_637, 190),
    ("BA", "NE", 3_380, 19), ("DF", "CO", 2_140, 30), ("ES", "SE", 2_033, 23),
    ("GO", "CO", 2_020, 40), ("PE", "NE", 1_652, 9), ("CE", "NE", 1_336, 13),
    ("PA", "N", 975, 1), ("MT", "CO", 907, 4), ("MA", "NE", 747, 1), ("MS", "CO", 715, 5),
    ("PB", "NE", 536, 6), ("PI", "NE", 495, 1), ("RN", "NE", 485, 5), ("AL", "NE", 413, 0),
    ("SE", "NE", 350, 2), ("TO", "N", 280, 0), ("RO", "N", 253, 2), ("AM", "N", 148, 1),
    ("AC", "N", 81, 1), ("AP", "N", 68, 0), ("RR", "N", 46, 0),
)  # fmt: skip
STATE_CODES = tuple(s[0] for s in STATES)
#: Days promised at checkout by region of the customer (São Paulo state gets less).
PROMISED_DAYS_BY_REGION = {"N": 33, "NE": 29, "CO": 24, "SE": 22, "S": 23}
PROMISED_DAYS_SP = 15
#: Chance of a late delivery by customer state before seasonal peaks and normalisation.
LATE_RISK_BY_STATE = {
    "SP": 0.06, "MG": 0.056, "RJ": 0.135, "ES": 0.12, "PR": 0.05, "SC": 0.098, "RS": 0.072,
    "DF": 0.07, "GO": 0.082, "MT": 0.068, "MS": 0.115, "BA": 0.14, "PE": 0.108, "CE": 0.153,
    "MA": 0.197, "PB": 0.111, "PI": 0.159, "RN": 0.109, "AL": 0.239, "SE": 0.171,
    "PA": 0.124, "AM": 0.041, "TO": 0.128, "RO": 0.029, "AC": 0.04, "AP": 0.045, "RR": 0.122,
}  # fmt: skip
#: Late deliveries pile up after Black Friday and before Carnival.
LATE_SEASONS = (
    (np.datetime64("2017-11-20", "D"), np.datetime64("2017-12-20", "D"), 2.2),
    (np.datetime64("2018-02-01", "D"), np.datetime64("2018-03-20", "D"), 1.8),
)
#: Freight multiplier for seller region -> customer region (Correios distance bands).
FREIGHT_DISTANCE = {
    ("SE", "SE"): 1.2, ("SE", "S"): 1.35, ("SE", "CO"): 1.45, ("SE", "NE"): 1.9,
    ("SE", "N"): 2.3, ("S", "S"): 1.15, ("S", "SE"): 1.35, ("S", "CO"): 1.55,
    ("S", "NE"): 2.1, ("S", "N"): 2.4, ("CO", "CO"): 1.15, ("CO", "SE"): 1.45,
    ("CO", "S"): 1.55, ("CO", "NE"): 1.8, ("CO", "N"): 1.9, ("NE", "NE"): 1.3,
    ("NE", "SE"): 1.9, ("NE", "S"): 2.1, ("NE", "CO"): 1.8, ("NE", "N"): 2.0,
    ("N", "N"): 1.4, ("N", "NE"): 2.0, ("N", "CO"): 1.9, ("N", "SE"): 2.3, ("N", "S"): 2.4,
}  # fmt: skip
SAME_STATE_FREIGHT = 1.0

#: (state, city, first zip prefix, last zip prefix, weight, latitude, longitude).
#: Real Brazilian cities and their CEP prefix ranges; ranges never overlap.
CITIES: tuple[tuple[str, str, int, int, float, float, float], ...] = (
    ("SP", "São Paulo", 1000, 5999, 13_000, -23.55, -46.63),
    ("SP", "São Paulo", 8000, 8499, 2_500, -23.54, -46.47),
    ("SP", "Osasco", 6000, 6299, 746, -23.53, -46.79),
    ("SP", "Carapicuíba", 6300, 6399, 360, -23.52, -46.84),
    ("SP", "Barueri", 6400, 6499, 425, -23.51, -46.88),
    ("SP", "Santana de Parnaíba", 6500, 6549, 200, -23.44, -46.92),
    ("SP", "Cotia", 6700, 6729, 289, -23.60, -46.92),
    ("SP", "Taboão da Serra", 6750, 6786, 300, -23.61, -46.76),
    ("SP", "Embu das Artes", 6800, 6849, 180, -23.65, -46.85),
    ("SP", "Itapecerica da Serra", 6850, 6889, 110, -23.72, -46.85),
    ("SP", "Guarulhos", 7000, 7399, 1_189, -23.46, -46.53),
    ("SP", "Arujá", 7400, 7499, 90, -23.40, -46.32),
    ("SP", "Mairiporã", 7600, 7699, 70, -23.32, -46.59),
    ("SP", "Caieiras", 7700, 7749, 80, -23.36, -46.74),
    ("SP", "Franco da Rocha", 7800, 7899, 80, -23.32, -46.73),
    ("SP", "Itaquaquecetuba", 8570, 8599, 270, -23.49, -46.35),
    ("SP", "Suzano", 8600, 8699, 270, -23.54, -46.31),
    ("SP", "Mogi das Cruzes", 8700, 8899, 383, -23.52, -46.19),
    ("SP", "Santo André", 9000, 9299, 797, -23.66, -46.53),
    ("SP", "Mauá", 9300, 9399, 270, -23.67, -46.46),
    ("SP", "Ribeirão Pires", 9400, 9449, 90, -23.71, -46.41),
    ("SP", "São Caetano do Sul", 9500, 9599, 250, -23.62, -46.55),
    ("SP", "São Bernardo do Campo", 9600, 9899, 938, -23.69, -46.56),
    ("SP", "Diadema", 9900, 9999, 283, -23.69, -46.62),
    ("SP", "Santos", 11000, 11099, 713, -23.96, -46.33),
    ("SP", "São Vicente", 11300, 11399, 200, -23.96, -46.39),
    ("SP", "Guarujá", 11400, 11499, 180, -23.99, -46.26),
    ("SP", "Praia Grande", 11700, 11729, 220, -24.01, -46.40),
    ("SP", "Taubaté", 12000, 12119, 250, -23.03, -45.56),
    ("SP", "São José dos Campos", 12200, 12249, 691, -23.18, -45.88),
    ("SP", "Jacareí", 12300, 12334, 200, -23.30, -45.97),
    ("SP", "Bragança Paulista", 12900, 12929, 150, -22.95, -46.54),
    ("SP", "Atibaia", 12940, 12954, 170, -23.12, -46.55),
    ("SP", "Campinas", 13000, 13139, 1_444, -22.91, -47.06),
    ("SP", "Jundiaí", 13200, 13219, 565, -23.19, -46.88),
    ("SP", "Valinhos", 13270, 13279, 230, -22.97, -46.99),
    ("SP", "Vinhedo", 13280, 13289, 170, -23.03, -46.98),
    ("SP", "Itu", 13300, 13314, 150, -23.26, -47.30),
    ("SP", "Indaiatuba", 13330, 13349, 224, -23.09, -47.22),
    ("SP", "Piracicaba", 13400, 13429, 367, -22.73, -47.65),
    ("SP", "Americana", 13465, 13479, 160, -22.74, -47.33),
    ("SP", "Limeira", 13480, 13489, 190, -22.56, -47.40),
    ("SP", "Rio Claro", 13500, 13509, 140, -22.41, -47.56),
    ("SP", "São Carlos", 13560, 13579, 200, -22.01, -47.89),
    ("SP", "Ribeirão Preto", 14000, 14114, 510, -21.18, -47.81),
    ("SP", "Franca", 14400, 14414, 270, -20.54, -47.40),
    ("SP", "Ibitinga", 14940, 14944, 60, -21.76, -48.83),
    ("SP", "Araraquara", 14800, 14811, 150, -21.79, -48.18),
    ("SP", "São José do Rio Preto", 15000, 15099, 249, -20.82, -49.38),
    ("SP", "Bauru", 17000, 17109, 287, -22.31, -49.06),
    ("SP", "Marília", 17500, 17529, 150, -22.21, -49.95),
    ("SP", "Sorocaba", 18000, 18109, 633, -23.50, -47.46),
    ("SP", "Presidente Prudente", 19000, 19099, 140, -22.12, -51.39),
    ("RJ", "Rio de Janeiro", 20000, 23799, 6_882, -22.91, -43.17),
    ("RJ", "Angra dos Reis", 23900, 23949, 100, -23.01, -44.32),
    ("RJ", "Niterói", 24000, 24399, 1_140, -22.88, -43.10),
    ("RJ", "São Gonçalo", 24400, 24799, 615, -22.83, -43.05),
    ("RJ", "Itaboraí", 24800, 24899, 160, -22.74, -42.86),
    ("RJ", "Maricá", 24900, 24999, 180, -22.92, -42.82),
    ("RJ", "Duque de Caxias", 25000, 25299, 500, -22.79, -43.31),
    ("RJ", "São João de Meriti", 25500, 25599, 230, -22.80, -43.37),
    ("RJ", "Petrópolis", 25600, 25779, 300, -22.51, -43.18),
    ("RJ", "Teresópolis", 25950, 25999, 190, -22.41, -42.97),
    ("RJ", "Nova Iguaçu", 26000, 26099, 435, -22.76, -43.45),
    ("RJ", "Belford Roxo", 26100, 26199, 220, -22.76, -43.40),
    ("RJ", "Nilópolis", 26500, 26599, 130, -22.81, -43.41),
    ("RJ", "Volta Redonda", 27200, 27299, 250, -22.52, -44.10),
    ("RJ", "Barra Mansa", 27300, 27399, 110, -22.54, -44.17),
    ("RJ", "Resende", 27500, 27599, 130, -22.47, -44.45),
    ("RJ", "Macaé", 27900, 27999, 200, -22.37, -41.79),
    ("RJ", "Campos dos Goytacazes", 28000, 28099, 250, -21.75, -41.32),
    ("RJ", "Nova Friburgo", 28600, 28639, 150, -22.28, -42.53),
    ("RJ", "Cabo Frio", 28900, 28929, 170, -22.88, -42.02),
    ("ES", "Vitória", 29000, 29099, 450, -20.32, -40.34),
    ("ES", "Vila Velha", 29100, 29129, 460, -20.33, -40.29),
    ("ES", "Cariacica", 29140, 29159, 200, -20.26, -40.42),
    ("ES", "Serra", 29160, 29182, 300, -20.12, -40.31),
    ("ES", "Aracruz", 29190, 29199, 60, -19.82, -40.27),
    ("ES", "Guarapari", 29200, 29229, 100, -20.67, -40.50),
    ("ES", "Cachoeiro de Itapemirim", 29300, 29314, 150, -20.85, -41.11),
    ("ES", "Colatina", 29700, 29709, 80, -19.54, -40.63),
    ("ES", "Linhares", 29900, 29914, 100, -19.39, -40.07),
    ("ES", "São Mateus", 29930, 29949, 60, -18.72, -39.86),
    ("MG", "Belo Horizonte", 30000, 31999, 2_773, -19.92, -43.94),
    ("MG", "Contagem", 32000, 32399, 500, -19.93, -44.05),
    ("MG", "Betim", 32500, 32699, 220, -19.97, -44.20),
    ("MG", "Santa Luzia", 33000, 33199, 150, -19.77, -43.85),
    ("MG", "Ribeirão das Neves", 33800, 33999, 150, -19.77, -44.09),
    ("MG", "Nova Lima", 34000, 34099, 200, -19.98, -43.85),
    ("MG", "Governador Valadares", 35000, 35099, 150, -18.85, -41.95),
    ("MG", "Ipatinga", 35160, 35169, 160, -19.47, -42.54),
    ("MG", "Divinópolis", 35500, 35509, 200, -20.14, -44.89),
    ("MG", "Sete Lagoas", 35700, 35709, 150, -19.47, -44.25),
    ("MG", "Juiz de Fora", 36000, 36099, 500, -21.76, -43.35),
    ("MG", "Barbacena", 36200, 36209, 110, -21.23, -43.77),
    ("MG", "Varginha", 37000, 37099, 150, -21.55, -45.43),
    ("MG", "Lavras", 37200, 37209, 120, -21.25, -45.00),
    ("MG", "Itajubá", 37500, 37509, 110, -22.43, -45.45),
    ("MG", "Pouso Alegre", 37550, 37559, 130, -22.23, -45.94),
    ("MG", "Poços de Caldas", 37700, 37719, 170, -21.79, -46.56),
    ("MG", "Uberaba", 38000, 38099, 250, -19.75, -47.93),
    ("MG", "Uberlândia", 38400, 38499, 550, -18.92, -48.28),
    ("MG", "Patos de Minas", 38700, 38709, 100, -18.58, -46.52),
    ("MG", "Montes Claros", 39400, 39409, 200, -16.73, -43.86),
    ("MG", "Teófilo Otoni", 39800, 39809, 80, -17.86, -41.51),
    ("BA", "Salvador", 40000, 42599, 1_245, -12.97, -38.50),
    ("BA", "Lauro de Freitas", 42700, 42799, 200, -12.89, -38.33),
    ("BA", "Camaçari", 42800, 42849, 120, -12.70, -38.32),
    ("BA", "Feira de Santana", 44000, 44099, 250, -12.27, -38.97),
    ("BA", "Vitória da Conquista", 45000, 45099, 200, -14.86, -40.84),
    ("BA", "Jequié", 45200, 45209, 60, -13.86, -40.08),
    ("BA", "Itabuna", 45600, 45614, 120, -14.79, -39.28),
    ("BA", "Ilhéus", 45650, 45662, 120, -14.79, -39.05),
    ("BA", "Porto Seguro", 45810, 45819, 70, -16.45, -39.06),
    ("BA", "Teixeira de Freitas", 45985, 45999, 80, -17.54, -39.74),
    ("BA", "Barreiras", 47800, 47809, 80, -12.15, -45.00),
    ("BA", "Alagoinhas", 48000, 48099, 60, -12.14, -38.42),
    ("BA", "Juazeiro", 48900, 48909, 80, -9.41, -40.50),
    ("SE", "Aracaju", 49000, 49099, 250, -10.91, -37.07),
    ("SE", "Nossa Senhora do Socorro", 49160, 49169, 30, -10.86, -37.13),
    ("SE", "Estância", 49200, 49209, 15, -11.27, -37.44),
    ("SE", "Lagarto", 49400, 49409, 20, -10.92, -37.65),
    ("SE", "Itabaiana", 49500, 49509, 20, -10.69, -37.43),
    ("PE", "Recife", 50000, 52999, 900, -8.05, -34.88),
    ("PE", "Olinda", 53000, 53399, 150, -8.01, -34.86),
    ("PE", "Paulista", 53400, 53499, 80, -7.94, -34.87),
    ("PE", "Jaboatão dos Guararapes", 54000, 54499, 200, -8.11, -35.01),
    ("PE", "Cabo de Santo Agostinho", 54500, 54599, 40, -8.29, -35.03),
    ("PE", "Caruaru", 55000, 55099, 100, -8.28, -35.98),
    ("PE", "Garanhuns", 55290, 55299, 40, -8.89, -36.49),
    ("PE", "Vitória de Santo Antão", 55600, 55614, 30, -8.12, -35.29),
    ("PE", "Petrolina", 56300, 56339, 100, -9.39, -40.50),
    ("AL", "Maceió", 57000, 57099, 300, -9.67, -35.74),
    ("AL", "Rio Largo", 57100, 57109, 15, -9.48, -35.85),
    ("AL", "Penedo", 57200, 57209, 10, -10.29, -36.58),
    ("AL", "Arapiraca", 57300, 57319, 50, -9.75, -36.66),
    ("AL", "Palmeira dos Índios", 57600, 57609, 15, -9.41, -36.63),
    ("PB", "João Pessoa", 58000, 58099, 300, -7.12, -34.86),
    ("PB", "Cabedelo", 58100, 58109, 20, -6.98, -34.83),
    ("PB", "Santa Rita", 58300, 58309, 20, -7.11, -34.98),
    ("PB", "Campina Grande", 58400, 58439, 120, -7.23, -35.88),
    ("PB", "Patos", 58700, 58709, 25, -7.02, -37.28),
    ("PB", "Sousa", 58800, 58809, 15, -6.76, -38.23),
    ("PB", "Cajazeiras", 58900, 58909, 15, -6.89, -38.56),
    ("RN", "Natal", 59000, 59139, 300, -5.79, -35.21),
    ("RN", "Parnamirim", 59140, 59159, 80, -5.92, -35.26),
    ("RN", "São Gonçalo do Amarante", 59290, 59299, 20, -5.79, -35.33),
    ("RN", "Caicó", 59300, 59309, 20, -6.46, -37.10),
    ("RN", "Mossoró", 59600, 59649, 60, -5.19, -37.34),
    ("CE", "Fortaleza", 60000, 61599, 1_000, -3.73, -38.52),
    ("CE", "Caucaia", 61600, 61699, 80, -3.74, -38.65),
    ("CE", "Maracanaú", 61900, 61939, 60, -3.87, -38.63),
    ("CE", "Sobral", 62000, 62119, 60, -3.69, -40.35),
    ("CE", "Itapipoca", 62500, 62509, 20, -3.49, -39.58),
    ("CE", "Juazeiro do Norte", 63000, 63059, 70, -7.21, -39.31),
    ("CE", "Crato", 63100, 63134, 30, -7.23, -39.41),
    ("PI", "Teresina", 64000, 64099, 330, -5.09, -42.80),
    ("PI", "Parnaíba", 64200, 64219, 40, -2.90, -41.78),
    ("PI", "Piripiri", 64260, 64269, 15, -4.27, -41.78),
    ("PI", "Picos", 64600, 64609, 35, -7.08, -41.47),
    ("PI", "Floriano", 64800, 64809, 25, -6.77, -43.02),
    ("MA", "São Luís", 65000, 65109, 350, -2.53, -44.30),
    ("MA", "São José de Ribamar", 65110, 65119, 50, -2.56, -44.05),
    ("MA", "Paço do Lumiar", 65130, 65139, 30, -2.52, -44.11),
    ("MA", "Caxias", 65600, 65609, 40, -4.86, -43.36),
    ("MA", "Timon", 65630, 65639, 40, -5.09, -42.84),
    ("MA", "Bacabal", 65700, 65709, 25, -4.23, -44.78),
    ("MA", "Balsas", 65800, 65809, 25, -7.53, -46.04),
    ("MA", "Imperatriz", 65900, 65919, 120, -5.52, -47.48),
    ("PA", "Belém", 66000, 66999, 450, -1.46, -48.49),
    ("PA", "Ananindeua", 67000, 67199, 150, -1.37, -48.37),
    ("PA", "Santarém", 68000, 68099, 80, -2.44, -54.71),
    ("PA", "Altamira", 68370, 68379, 25, -3.20, -52.21),
    ("PA", "Abaetetuba", 68440, 68449, 20, -1.72, -48.88),
    ("PA", "Marabá", 68500, 68514, 70, -5.37, -49.12),
    ("PA", "Parauapebas", 68515, 68516, 70, -6.07, -49.90),
    ("PA", "Castanhal", 68740, 68749, 50, -1.30, -47.92),
    ("AP", "Macapá", 68900, 68914, 55, 0.03, -51.07),
    ("AP", "Laranjal do Jari", 68920, 68924, 5, -0.80, -52.45),
    ("AP", "Santana", 68925, 68929, 10, -0.06, -51.17),
    ("AM", "Manaus", 69000, 69099, 130, -3.12, -60.02),
    ("AM", "Itacoatiara", 69100, 69109, 5, -3.14, -58.44),
    ("AM", "Parintins", 69150, 69159, 5, -2.63, -56.74),
    ("AM", "Manacapuru", 69400, 69409, 5, -3.30, -60.62),
    ("RR", "Boa Vista", 69300, 69339, 40, 2.82, -60.67),
    ("RR", "Caracaraí", 69360, 69364, 3, 1.82, -61.13),
    ("RR", "Rorainópolis", 69373, 69374, 3, 0.94, -60.42),
    ("AC", "Rio Branco", 69900, 69924, 65, -9.97, -67.81),
    ("AC", "Sena Madureira", 69940, 69944, 5, -9.07, -68.66),
    ("AC", "Cruzeiro do Sul", 69980, 69984, 10, -7.63, -72.67),
    ("DF", "Brasília", 70000, 72799, 1_850, -15.79, -47.88),
    ("DF", "Brasília", 73000, 73699, 290, -15.65, -47.79),
    ("GO", "Luziânia", 72800, 72859, 80, -16.25, -47.95),
    ("GO", "Valparaíso de Goiás", 72870, 72879, 90, -16.07, -47.98),
    ("GO", "Águas Lindas de Goiás", 72910, 72919, 50, -15.76, -48.28),
    ("GO", "Formosa", 73800, 73829, 50, -15.54, -47.33),
    ("GO", "Goiânia", 74000, 74899, 700, -16.68, -49.25),
    ("GO", "Aparecida de Goiânia", 74900, 74999, 250, -16.82, -49.24),
    ("GO", "Anápolis", 75000, 75149, 200, -16.33, -48.95),
    ("GO", "Trindade", 75380, 75389, 40, -16.65, -49.49),
    ("GO", "Itumbiara", 75500, 75529, 50, -18.42, -49.22),
    ("GO", "Catalão", 75700, 75709, 60, -18.17, -47.95),
    ("GO", "Jataí", 75800, 75809, 50, -17.88, -51.72),
    ("GO", "Rio Verde", 75900, 75909, 100, -17.79, -50.92),
    ("TO", "Palmas", 77000, 77299, 150, -10.18, -48.33),
    ("TO", "Gurupi", 77400, 77449, 35, -11.73, -49.07),
    ("TO", "Porto Nacional", 77500, 77509, 20, -10.71, -48.42),
    ("TO", "Paraíso do Tocantins", 77600, 77609, 15, -10.18, -48.88),
    ("TO", "Araguaína", 77800, 77829, 60, -7.19, -48.21),
    ("RO", "Porto Velho", 76800, 76849, 120, -8.76, -63.90),
    ("RO", "Ariquemes", 76870, 76879, 30, -9.91, -63.04),
    ("RO", "Ji-Paraná", 76900, 76919, 40, -10.88, -61.95),
    ("RO", "Cacoal", 76960, 76969, 25, -11.44, -61.45),
    ("RO", "Vilhena", 76980, 76989, 30, -12.74, -60.15),
    ("MT", "Cuiabá", 78000, 78099, 350, -15.60, -56.10),
    ("MT", "Várzea Grande", 78110, 78159, 130, -15.65, -56.13),
    ("MT", "Tangará da Serra", 78300, 78309, 40, -14.62, -57.49),
    ("MT", "Lucas do Rio Verde", 78455, 78459, 40, -13.05, -55.91),
    ("MT", "Sinop", 78550, 78559, 80, -11.86, -55.50),
    ("MT", "Barra do Garças", 78600, 78609, 25, -15.89, -52.26),
    ("MT", "Rondonópolis", 78700, 78749, 100, -16.47, -54.64),
    ("MT", "Primavera do Leste", 78850, 78859, 40, -15.56, -54.30),
    ("MT", "Sorriso", 78890, 78899, 40, -12.55, -55.71),
    ("MS", "Campo Grande", 79000, 79129, 400, -20.47, -54.62),
    ("MS", "Corumbá", 79300, 79329, 35, -19.01, -57.65),
    ("MS", "Três Lagoas", 79600, 79649, 60, -20.75, -51.68),
    ("MS", "Nova Andradina", 79750, 79759, 20, -22.23, -53.34),
    ("MS", "Dourados", 79800, 79849, 110, -22.22, -54.81),
    ("MS", "Ponta Porã", 79900, 79909, 30, -22.54, -55.73),
    ("MS", "Naviraí", 79950, 79959, 20, -23.06, -54.19),
    ("PR", "Curitiba", 80000, 82999, 1_521, -25.43, -49.27),
    ("PR", "São José dos Pinhais", 83000, 83199, 220, -25.53, -49.21),
    ("PR", "Paranaguá", 83200, 83299, 80, -25.52, -48.51),
    ("PR", "Pinhais", 83320, 83329, 100, -25.44, -49.19),
    ("PR", "Colombo", 83400, 83414, 140, -25.29, -49.22),
    ("PR", "Araucária", 83700, 83709, 100, -25.59, -49.41),
    ("PR", "Ponta Grossa", 84000, 84099, 250, -25.09, -50.16),
    ("PR", "Guarapuava", 85000, 85099, 130, -25.39, -51.46),
    ("PR", "Cascavel", 85800, 85820, 200, -24.96, -53.46),
    ("PR", "Foz do Iguaçu", 85850, 85869, 170, -25.55, -54.59),
    ("PR", "Toledo", 85900, 85919, 100, -24.72, -53.74),
    ("PR", "Londrina", 86000, 86099, 500, -23.31, -51.16),
    ("PR", "Apucarana", 86800, 86819, 90, -23.55, -51.46),
    ("PR", "Maringá", 87000, 87099, 400, -23.42, -51.94),
    ("PR", "Campo Mourão", 87300, 87309, 70, -24.05, -52.38),
    ("SC", "Florianópolis", 88000, 88099, 570, -27.60, -48.55),
    ("SC", "São José", 88100, 88123, 300, -27.61, -48.63),
    ("SC", "Palhoça", 88130, 88139, 200, -27.64, -48.67),
    ("SC", "Itajaí", 88300, 88319, 200, -26.91, -48.66),
    ("SC", "Balneário Camboriú", 88330, 88339, 220, -26.99, -48.63),
    ("SC", "Brusque", 88350, 88359, 120, -27.10, -48.92),
    ("SC", "Lages", 88500, 88529, 120, -27.82, -50.33),
    ("SC", "Tubarão", 88700, 88709, 90, -28.47, -49.01),
    ("SC", "Criciúma", 88800, 88819, 200, -28.68, -49.37),
    ("SC", "Blumenau", 89000, 89099, 400, -26.92, -49.07),
    ("SC", "Joinville", 89200, 89239, 400, -26.30, -48.85),
    ("SC", "Jaraguá do Sul", 89250, 89269, 150, -26.49, -49.07),
    ("SC", "Chapecó", 89800, 89816, 180, -27.10, -52.62),
    ("RS", "Porto Alegre", 90000, 91999, 1_379, -30.03, -51.23),
    ("RS", "Canoas", 92000, 92499, 290, -29.92, -51.18),
    ("RS", "São Leopoldo", 93000, 93199, 150, -29.76, -51.15),
    ("RS", "Novo Hamburgo", 93300, 93599, 200, -29.68, -51.13),
    ("RS", "Gravataí", 94000, 94299, 170, -29.94, -50.99),
    ("RS", "Viamão", 94400, 94799, 110, -30.08, -51.02),
    ("RS", "Caxias do Sul", 95000, 95099, 380, -29.17, -51.18),
    ("RS", "Bento Gonçalves", 95700, 95709, 100, -29.17, -51.52),
    ("RS", "Lajeado", 95900, 95914, 100, -29.47, -51.96),
    ("RS", "Pelotas", 96000, 96099, 250, -31.77, -52.34),
    ("RS", "Rio Grande", 96200, 96219, 110, -32.03, -52.10),
    ("RS", "Santa Cruz do Sul", 96800, 96839, 110, -29.72, -52.43),
    ("RS", "Santa Maria", 97000, 97119, 250, -29.68, -53.81),
    ("RS", "Passo Fundo", 99000, 99099, 180, -28.26, -52.41),
    ("RS", "Erechim", 99700, 99714, 90, -27.63, -52.27),
)
#: Coordinates seen in the published geolocation file that lie outside Brazil (bad geocodes).
OUTLIER_COORDINATES = ((41.15, -8.61), (38.72, -9.14), (25.99, -80.3), (-2.5, 36.9))
#: Brazil's bounding box (lat_min, lat_max, lng_min, lng_max).
BRAZIL_BOUNDS = (-34.0, 5.5, -74.0, -34.5)

# --------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------

#: (Portuguese, English as published, items sold, median price R$, median weight g), in the
#: order of the published translation file; the English typos are the published ones.
CATEGORIES = (
    ("beleza_saude", "health_beauty", 9_670, 80, 500),
    ("informatica_acessorios", "computers_accessories", 7_827, 70, 500),
    ("automotivo", "auto", 4_235, 80, 1_000),
    ("cama_mesa_banho", "bed_bath_table", 11_115, 80, 1_500),
    ("moveis_decoracao", "furniture_decor", 8_334, 70, 2_000),
    ("esporte_lazer", "sports_leisure", 8_641, 80, 800),
    ("perfumaria", "perfumery", 3_419, 80, 400),
    ("utilidades_domesticas", "housewares", 6_964, 60, 1_200),
    ("telefonia", "telephony", 4_545, 30, 200),
    ("relogios_presentes", "watches_gifts", 5_991, 130, 300),
    ("alimentos_bebidas", "food_drink", 278, 35, 800),
    ("bebes", "baby", 3_065, 90, 1_500),
    ("papelaria", "stationery", 2_517, 50, 600),
    ("tablets_impressao_imagem", "tablets_printing_image", 83, 80, 400),
    ("brinquedos", "toys", 4_117, 80, 800),
    ("telefonia_fixa", "fixed_telephony", 264, 120, 500),
    ("ferramentas_jardim", "garden_tools", 4_347, 60, 1_500),
    ("fashion_bolsas_e_acessorios", "fashion_bags_accessories", 2_031, 50, 400),
    ("eletroportateis", "small_appliances", 679, 150, 3_000),
    ("consoles_games", "consoles_games", 1_137, 60, 400),
    ("audio", "audio", 364, 80, 500),
    ("fashion_calcados", "fashion_shoes", 262, 80, 600),
    ("cool_stuff", "cool_stuff", 3_796, 130, 1_500),
    ("malas_acessorios", "luggage_accessories", 1_092, 150, 4_000),
    ("climatizacao", "air_conditioning", 297, 100, 3_000),
    ("construcao_ferramentas_construcao", "construction_tools_construction", 929, 80, 1_500),
    (
        "moveis_cozinha_area_de_servico_jantar_e_jardim",
        "kitchen_dining_laundry_garden_furniture",
        281,
        150,
        8_000,
    ),
    ("construcao_ferramentas_jardim", "costruction_tools_garden", 238, 80, 2_000),
    ("fashion_roupa_masculina", "fashion_male_clothing", 132, 60, 300),
    ("pet_shop", "pet_shop", 1_947, 70, 1_500),
    ("moveis_escritorio", "office_furniture", 1_691, 170, 10_000),
    ("market_place", "market_place", 311, 70, 1_000),
    ("eletronicos", "electronics", 2_767, 30, 300),
    ("eletrodomesticos", "home_appliances", 771, 60, 2_000),
    ("artigos_de_festas", "party_supplies", 43, 40, 500),
    ("casa_conforto", "home_confort", 434, 90, 3_000),
    ("construcao_ferramentas_ferramentas", "costruction_tools_tools", 103, 60, 1_000),
    ("agro_industria_e_comercio", "agro_industry_and_commerce", 212, 120, 5_000),
    ("moveis_colchao_e_estofado", "furniture_mattress_and_upholstery", 38, 100, 5_000),
    ("livros_tecnicos", "books_technical", 267, 70, 600),
    ("casa_construcao", "home_construction", 604, 90, 2_000),
    ("instrumentos_musicais", "musical_instruments", 680, 100, 2_000),
    ("moveis_sala", "furniture_living_room", 503, 100, 5_000),
    ("construcao_ferramentas_iluminacao", "construction_tools_lights", 304, 90, 1_000),
    ("industria_comercio_e_negocios", "industry_commerce_and_business", 268, 150, 3_000),
    ("alimentos", "food", 510, 40, 600),
    ("artes", "art", 209, 80, 800),
    ("moveis_quarto", "furniture_bedroom", 109, 120, 8_000),
    ("livros_interesse_geral", "books_general_interest", 553, 40, 500),
    ("construcao_ferramentas_seguranca", "construction_tools_safety", 194, 120, 1_500),
    ("fashion_underwear_e_moda_praia", "fashion_underwear_beach", 131, 40, 200),
    ("fashion_esporte", "fashion_sport", 30, 50, 300),
    ("sinalizacao_e_seguranca", "signaling_and_security", 199, 70, 1_500),
    ("pcs", "computers", 203, 1_000, 6_000),
    ("artigos_de_natal", "christmas_supplies", 153, 40, 600),
    ("fashion_roupa_feminina", "fashio_female_clothing", 48, 60, 300),
    ("eletrodomesticos_2", "home_appliances_2", 238, 350, 8_000),
    ("livros_importados", "books_imported", 60, 60, 600),
    ("bebidas", "drinks", 379, 30, 1_000),
    ("cine_foto", "cine_photo", 72, 50, 500),
    ("la_cuisine", "la_cuisine", 14, 150, 2_000),
    ("musica", "music", 38, 100, 1_000),
    ("casa_conforto_2", "home_comfort_2", 30, 30, 800),
    ("portateis_casa_forno_e_cafe", "small_appliances_home_oven_and_coffee", 76, 350, 3_000),
    ("cds_dvds_musicais", "cds_dvds_musicals", 14, 50, 300),
    ("dvds_blu_ray", "dvds_blu_ray", 64, 30, 200),
    ("flores", "flowers", 33, 30, 500),
    ("artes_e_artesanato", "arts_and_craftmanship", 24, 60, 500),
    ("fraldas_higiene", "diapers_and_hygiene", 39, 40, 2_000),
    ("fashion_roupa_infanto_juvenil", "fashion_childrens_clothes", 8, 50, 300),
    ("seguros_e_servicos", "security_and_services", 2, 140, 500),
)
NO_CATEGORY = -1
#: Sellers hand parcels to the carrier within this many days of approval (per seller).
SELLER_SHIPPING_DAYS = (2, 3, 4, 5, 6, 7, 10)
SELLER_SHIPPING_DAY_WEIGHTS = (0.04, 0.08, 0.08, 0.08, 0.6, 0.08, 0.04)

# --------------------------------------------------------------------------------------------
# Reviews (Portuguese, as customers write them)
# --------------------------------------------------------------------------------------------

POSITIVE_TITLES = (
    "Recomendo", "Ótimo", "Excelente", "Muito bom", "Super recomendo", "Amei",
    "Perfeito", "Ótimo produto", "Chegou antes do prazo", "Nota 10", "Satisfeita",
)  # fmt: skip
NEUTRAL_TITLES = ("Bom", "Razoável", "Ok", "Poderia ser melhor", "Mais ou menos", "Regular")
NEGATIVE_TITLES = (
    "Não recomendo", "Péssimo", "Produto não chegou", "Decepcionada", "Atraso na entrega",
    "Ruim", "Não recebi", "Produto errado", "Veio com defeito",
)  # fmt: skip
POSITIVE_MESSAGES = (
    "Ótimo produto, chegou antes do prazo.",
    "Produto de excelente qualidade, recomendo!",
    "Chegou antes do prazo e bem embalado.",
    "Recebi bem antes do prazo estipulado.",
    "Tudo certo, produto conforme o anúncio.",
    "Muito bom, superou minhas expectativas.",
    "Entrega rápida, produto perfeito. Recomendo a loja.",
    "Gostei muito, é exatamente o que eu queria.",
    "Adorei! Minha filha amou o presente.",
    "Produto bom, preço justo e entrega no prazo.",
    'Vendedor atencioso, produto "top", nota 10.',
    "Excelente, comprarei novamente com certeza.",
    "Lindo, veio tudo certinho, obrigada!",
    "Parabéns à loja, entrega super rápida.",
    "Material de ótima qualidade, acabamento impecável.",
)
NEUTRAL_MESSAGES = (
    "O produto é bom, mas a entrega demorou um pouco.",
    "Razoável, esperava um pouco mais pelo preço.",
    "Produto ok, porém a embalagem veio amassada.",
    "Chegou no prazo, mas a cor é diferente da foto.",
    "Atendeu, mas a qualidade poderia ser melhor.",
    "É menor do que eu imaginava, mas serve.",
    "Bom, só não gostei do acabamento.",
    'Veio sem manual de instruções, mas funciona "direitinho".',
)
NEGATIVE_PRODUCT_MESSAGES = (
    "Não recomendo, produto de péssima qualidade.",
    "Veio com defeito, quero a troca.",
    "Produto diferente do anunciado, não recomendo.",
    "Comprei dois, recebi apenas um.",
    'Recebi o produto "errado", pedi a troca e ninguém respondeu.',
    "Quebrou na primeira semana de uso.",
    "Material frágil, não vale o preço.",
    "Veio faltando peças, estou aguardando retorno da loja.",
    "Péssimo atendimento, não compro mais.",
)
NEGATIVE_DELIVERY_MESSAGES = (
    "Até hoje não recebi o produto.",
    "O produto não chegou, já passou do prazo.",
    "Entrega atrasada, ninguém dá informação.",
    "Comprei, paguei e não recebi. Quero meu dinheiro de volta!",
    "Muito atraso na entrega, não recomendo.",
    "O rastreamento não funciona, o pedido está parado há dias.",
    "Prazo de entrega não foi cumprido, o produto chegou depois de um mês.",
    "Cancelaram a compra sem aviso, péssimo.",
)
#: Line break customers typed inside a message (kept inside the quoted CSV field).
MESSAGE_LINE_BREAK = "\r\n"

# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------

FILE_NAMES = {
    "customers": "olist_customers_dataset.csv",
    "geolocation": "olist_geolocation_dataset.csv",
    "order_items": "olist_order_items_dataset.csv",
    "order_payments": "olist_order_payments_dataset.csv",
    "order_reviews": "olist_order_reviews_dataset.csv",
    "orders": "olist_orders_dataset.csv",
    "products": "olist_products_dataset.csv",
    "sellers": "olist_sellers_dataset.csv",
    "product_category_name_translation": "product_category_name_translation.csv",
}
#: Digits of a CEP prefix: written with its leading zeros (``01037``).
ZIP_PREFIX_DIGITS = 5


# ============================================================================================
# Helpers
# ============================================================================================


def _rng(seed: int, stream: str) -> np.random.Generator:
    """One independent random stream per concern, so tuning one part leaves the others be."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode())])


def _allocate(total: int, weights: Sequence[float] | FloatArray) -> IntArray:
    """Split ``total`` in proportion to ``weights`` (largest remainder, so sums are exact).

    With published counts as weights and their sum as total, it returns the counts themselves.
    """
    w = np.asarray(weights, dtype=np.float64)
    share = w / w.sum() * total
    counts: IntArray = np.floor(share).astype(np.int64)
    missing = total - int(counts.sum())
    counts[np.argsort(counts - share, kind="stable")[:missing]] += 1
    return counts


def _pick_weighted(rng: np.random.Generator, weights: FloatArray, k: int) -> IntArray:
    """Indices of ``k`` distinct items drawn with probability proportional to ``weights``."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    with np.errstate(divide="ignore"):
        keys = np.log(weights) + rng.gumbel(size=weights.size)
    return np.argsort(-keys, kind="stable")[:k].astype(np.int64)


def _spread(rng: np.random.Generator, total: int, n: int, sigma: float) -> IntArray:
    """``total`` units spread over ``n`` holders with lognormal appetites (heavy tailed)."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    appetite = rng.lognormal(0.0, sigma, n)
    return rng.multinomial(total, appetite / appetite.sum()).astype(np.int64)


def _hex_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` random 32-character lowercase hex ids (MD5-like, as Olist publishes them)."""
    hex_text = rng.bytes(16 * n).hex().encode("ascii")
    return pa.array(np.frombuffer(hex_text, dtype="S32")).cast(pa.string())


def _ascii_lower(name: str) -> str:
    """``São Paulo`` -> ``sao paulo``: how most Olist files spell cities."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _floor_day(seconds: IntArray) -> IntArray:
    """Midnight of the day of each epoch-second timestamp."""
    return seconds - seconds % SECONDS_PER_DAY


def _epoch_seconds(day: np.datetime64) -> int:
    return int(day.astype("datetime64[s]").astype(np.int64))


def _retail_cents(rng: np.random.Generator, reais: FloatArray) -> IntArray:
    """Shelf prices as sellers set them: 59.90, 58.99 or 59.00 (never below R$ 0.85)."""
    whole = np.maximum(np.rint(reais), 1).astype(np.int64)
    ending = np.array([10, 1, 0], dtype=np.int64)[
        choose_weighted(rng, (0.55, 0.3, 0.15), reais.size)
    ]
    return np.asarray(np.maximum(whole * 100 - ending, 85), dtype=np.int64)


# ============================================================================================
# Sizes
# ============================================================================================


@dataclass(frozen=True)
class _Counts:
    """Row counts of every file at one scale, proportional to the published release."""

    orders: int
    ratio: float

    @classmethod
    def for_scale(cls, scale: Scale) -> _Counts:
        orders = ORDERS_BY_SCALE[Scale(scale)]
        return cls(orders=orders, ratio=orders / PUBLISHED_ROWS["orders"])

    def of(self, name: str) -> int:
        """Published count of ``name`` scaled to this size (exact at full scale)."""
        return round(PUBLISHED_ROWS[name] * self.ratio)

    def status_counts(self) -> IntArray:
        return _allocate(self.orders, [count for _, count in ORDER_STATUS_COUNTS])

    def first_payment_counts(self) -> IntArray:
        return _allocate(self.orders, ORDERS_BY_FIRST_PAYMENT)


# ============================================================================================
# Geography, people, sellers
# ============================================================================================


@dataclass(frozen=True)
class _Cities:
    """Column view of ``CITIES`` with per-state derived weights."""

    state: IntArray
    name: tuple[str, ...]
    zip_first: IntArray
    zip_last: IntArray
    weight: FloatArray
    lat: FloatArray
    lng: FloatArray

    @classmethod
    def load(cls) -> _Cities:
        state_index = {code: i for i, code in enumerate(STATE_CODES)}
        return cls(
            state=np.array([state_index[c[0]] for c in CITIES], dtype=np.int64),
            name=tuple(c[1] for c in CITIES),
            zip_first=np.array([c[2] for c in CITIES], dtype=np.int64),
            zip_last=np.array([c[3] for c in CITIES], dtype=np.int64),
            weight=np.array([c[4] for c in CITIES], dtype=np.float64),
            lat=np.array([c[5] for c in CITIES], dtype=np.float64),
            lng=np.array([c[6] for c in CITIES], dtype=np.float64),
        )

    @property
    def zip_span(self) -> IntArray:
        return self.zip_last - self.zip_first + 1

    def weights_given_state_shares(self, state_shares: FloatArray) -> FloatArray:
        """City probabilities: a state's share spread over its cities by city weight."""
        state_total = np.bincount(self.state, weights=self.weight, minlength=len(STATES))
        return state_shares[self.state] * self.weight / state_total[self.state]

    def all_zip_prefixes(self) -> tuple[IntArray, IntArray]:
        """Every CEP prefix of the city table and its city, grouped by city."""
        city = np.repeat(np.arange(self.zip_span.size), self.zip_span)
        return self.zip_first[city] + number_within_runs(self.zip_span), city


@dataclass(frozen=True)
class _ZipUniverse:
    """The zip prefixes in use (those the geolocation file covers), grouped by city.

    Not every prefix of a city's CEP range is populated, and populated ones differ in size:
    people and sellers are drawn from these prefixes by ``popularity``.
    """

    zip: IntArray
    city: IntArray
    cumulative: FloatArray

    def draw(self, rng: np.random.Generator, city: IntArray) -> IntArray:
        """A zip prefix of each given city, the busier prefixes more often."""
        cities = np.arange(int(self.city.max()) + 1)
        start = np.searchsorted(self.city, cities, side="left")[city]
        end = np.searchsorted(self.city, cities, side="right")[city]
        before = np.concatenate(([0.0], self.cumulative))
        target = before[start] + rng.random(city.size) * (before[end] - before[start])
        index = np.clip(np.searchsorted(self.cumulative, target, side="right"), start, end - 1)
        return np.asarray(self.zip[index], dtype=np.int64)


def _zip_universe(rng: np.random.Generator, counts: _Counts, cities: _Cities) -> _ZipUniverse:
    """Published number of prefixes: one per city at least, more where cities are dense."""
    prefixes, city = cities.all_zip_prefixes()
    forced = find_run_starts(cities.zip_span) + rng.integers(0, cities.zip_span)
    density = np.sqrt(cities.weight[city] / cities.zip_span[city])
    density[forced] = 0.0
    wanted = counts.of("geolocation_zip_prefixes") - forced.size
    chosen = np.sort(np.concatenate((forced, _pick_weighted(rng, density, wanted))))
    popularity = rng.lognormal(0.0, 1.0, chosen.size)
    return _ZipUniverse(zip=prefixes[chosen], city=city[chosen], cumulative=np.cumsum(popularity))


@dataclass(frozen=True)
class _Places:
    """Where a set of people or sellers live."""

    city: IntArray
    zip: IntArray


def _draw_places(
    rng: np.random.Generator, cities: _Cities, zips: _ZipUniverse, state_column: int, n: int
) -> _Places:
    """``n`` addresses spread over states by the published customer or seller counts."""
    shares = np.array([s[state_column] for s in STATES], dtype=np.float64)
    city = choose_weighted(rng, cities.weights_given_state_shares(shares / shares.sum()), n)
    return _Places(city=city, zip=zips.draw(rng, city))


def _orders_per_person(rng: np.random.Generator, people: int, orders: int) -> IntArray:
    """Orders of each person: ~3% come back, a few of them many times."""
    extra = orders - people
    repeaters = min(extra, round(REPEAT_BUYER_SHARE * people))
    per_person = np.ones(people, dtype=np.int64)
    who = rng.choice(people, size=repeaters, replace=False)
    per_person[who] += 1 + _spread(rng, extra - repeaters, repeaters, sigma=1.5)
    return per_person


@dataclass(frozen=True)
class _Sellers:
    place: _Places
    popularity: FloatArray
    shipping_days: IntArray


def _sellers(seed: int, counts: _Counts, cities: _Cities, zips: _ZipUniverse) -> _Sellers:
    rng = _rng(seed, "sellers")
    n = counts.of("sellers")
    return _Sellers(
        place=_draw_places(rng, cities, zips, 3, n),
        popularity=rng.lognormal(0.0, 1.6, n),
        shipping_days=np.array(SELLER_SHIPPING_DAYS, dtype=np.int64)[
            choose_weighted(rng, SELLER_SHIPPING_DAY_WEIGHTS, n)
        ],
    )


# ============================================================================================
# Products
# ============================================================================================


@dataclass(frozen=True)
class _Products:
    category: IntArray
    seller: IntArray
    popularity: FloatArray
    price_cents: IntArray
    repriced_cents: IntArray
    reprice_at: IntArray
    black_friday_cents: IntArray
    weight_g: IntArray
    length_cm: IntArray
    height_cm: IntArray
    width_cm: IntArray
    name_length: IntArray
    description_length: IntArray
    photos: IntArray
    unmeasured: BoolArray


def _cover_then_draw(
    rng: np.random.Generator, n: int, holders: int, weights: FloatArray
) -> IntArray:
    """``n`` draws of a holder such that every one of ``holders`` appears at least once."""
    drawn = choose_weighted(rng, weights, n)
    slots = rng.permutation(n)[:holders]
    drawn[slots] = rng.permutation(holders)
    return drawn


def _product_dimensions(
    rng: np.random.Generator, weight_g: FloatArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Box sides from weight and a density: heavy items come in big boxes (Correios limits)."""
    volume = weight_g / rng.lognormal(np.log(0.2), 0.6, weight_g.size)
    side = np.cbrt(volume)
    length = np.clip(side * rng.lognormal(0.25, 0.25, side.size), 16, 105)
    height = np.clip(side * rng.lognormal(-0.3, 0.35, side.size), 2, 105)
    width = np.clip(volume / (length * height), 11, 118)
    return (
        np.rint(length).astype(np.int64),
        np.rint(height).astype(np.int64),
        np.rint(width).astype(np.int64),
    )


def _products(seed: int, counts: _Counts, sellers: _Sellers) -> _Products:
    rng = _rng(seed, "products")
    n = counts.of("products")
    category_items = np.array([c[2] for c in CATEGORIES], dtype=np.float64)
    category = choose_weighted(rng, category_items, n)
    category[rng.choice(n, counts.of("uncategorised_products"), replace=False)] = NO_CATEGORY
    seller = _cover_then_draw(rng, n, sellers.popularity.size, sellers.popularity)

    median_price = np.array([c[3] for c in CATEGORIES], dtype=np.float64)[category]
    median_weight = np.array([c[4] for c in CATEGORIES], dtype=np.float64)[category]
    price = _retail_cents(rng, median_price * rng.lognormal(0.0, 0.8, n))
    raw_weight = np.clip(median_weight * rng.lognormal(0.0, 0.9, n), 50, 40_000)
    weight = np.where(raw_weight >= 100, np.rint(raw_weight / 25) * 25, np.rint(raw_weight))
    length, height, width = _product_dimensions(rng, weight)

    first_ts = _epoch_seconds(FIRST_DAY)
    span = _epoch_seconds(LAST_DAY) - first_ts
    return _Products(
        category=category,
        seller=seller,
        popularity=rng.lognormal(0.0, 1.4, n) * np.sqrt(sellers.popularity[seller]),
        price_cents=price,
        repriced_cents=_retail_cents(rng, price / 100 * rng.uniform(1.03, 1.18, n)),
        reprice_at=first_ts + rng.integers(0, span, n),
        black_friday_cents=np.where(
            rng.random(n) < 0.5, _retail_cents(rng, price / 100 * rng.uniform(0.75, 0.92, n)), 0
        ),
        weight_g=weight.astype(np.int64),
        length_cm=length,
        height_cm=height,
        width_cm=width,
        name_length=np.clip(np.rint(rng.normal(48, 10, n)), 5, 76).astype(np.int64),
        description_length=np.clip(np.rint(rng.lognormal(np.log(600), 0.7, n)), 4, 3_992).astype(
            np.int64
        ),
        photos=np.clip(rng.geometric(0.5, n), 1, 20).astype(np.int64),
        unmeasured=np.isin(np.arange(n), rng.choice(n, counts.of("unmeasured_products"), False)),
    )


# ============================================================================================
# Orders
# ============================================================================================


def _month_day_weights(month: str) -> tuple[npt.NDArray[np.datetime64], FloatArray]:
    """Days of a month inside the data window and their relative pull on orders."""
    first = np.datetime64(month, "D")
    days = np.arange(first, np.datetime64(month, "M") + 1, dtype="datetime64[D]")
    days = days[(days >= FIRST_DAY) & (days <= LAST_DAY)]
    weekday = weekday_of(days)
    weights = np.array(WEEKDAY_FACTORS, dtype=np.float64)[weekday]
    for day, factor in SPECIAL_DAY_FACTORS.items():
        weights[days == np.datetime64(day)] *= factor
    if month in SPARSE_MONTH_DAYS:
        day_of_month = (days - first).astype(np.int64) + 1
        weights *= np.isin(day_of_month, SPARSE_MONTH_DAYS[month])
    return days, weights


def _purchase_timestamps(rng: np.random.Generator, n: int) -> IntArray:
    """Sorted purchase times: published monthly volumes, weekday and hour-of-day rhythm."""
    month_counts = _allocate(n, [count for _, count in MONTHLY_ORDERS])
    order_days: list[IntArray] = []
    for (month, _), month_count in zip(MONTHLY_ORDERS, month_counts, strict=True):
        days, weights = _month_day_weights(month)
        if month_count == 0:
            continue
        per_day = _allocate(int(month_count), weights)
        seconds = days.astype("datetime64[s]").astype(np.int64)
        order_days.append(np.repeat(seconds, per_day))
    day_seconds = np.concatenate(order_days)
    hour = choose_weighted(rng, HOUR_WEIGHTS, n)
    return day_seconds + hour * SECONDS_PER_HOUR + rng.integers(0, SECONDS_PER_HOUR, n)


def _assign_statuses(rng: np.random.Generator, purchase: IntArray, counts: IntArray) -> IntArray:
    """Statuses by published counts; the export's last weeks canceled, recent ones in transit."""
    n = purchase.size
    status = np.full(n, DELIVERED, dtype=np.int64)
    tail = np.flatnonzero(purchase >= _epoch_seconds(CANCELED_TAIL_START))[: counts[CANCELED]]
    status[tail] = CANCELED
    remaining = counts.copy()
    remaining[CANCELED] -= tail.size
    recent = purchase >= _epoch_seconds(np.datetime64("2018-07-01", "D"))
    early = purchase < _epoch_seconds(np.datetime64("2017-01-01", "D"))
    for which in (SHIPPED, CANCELED, UNAVAILABLE, INVOICED, PROCESSING, CREATED, APPROVED):
        weights = np.where(status == DELIVERED, 1.0, 0.0)
        if which == SHIPPED:
            weights *= 1 + 3 * recent
        elif which == CANCELED:
            weights *= 1 + 6 * early
        status[_pick_weighted(rng, weights, int(remaining[which]))] = which
    return status


def _first_payment_types(
    rng: np.random.Generator, counts: _Counts, status: IntArray, has_items: BoolArray
) -> IntArray:
    """Payment type of each order's first row; ``not_defined`` only on item-less cancellations."""
    n = status.size
    wanted = counts.first_payment_counts()
    kind = np.full(n, -1, dtype=np.int64)
    candidates = np.flatnonzero((status == CANCELED) & ~has_items)
    undefined = rng.permutation(candidates)[: wanted[NOT_DEFINED]]
    kind[undefined] = NOT_DEFINED
    wanted[CREDIT_CARD] += wanted[NOT_DEFINED] - undefined.size
    rest = rng.permutation(np.flatnonzero(kind < 0))
    kind[rest] = np.repeat(np.arange(NOT_DEFINED), wanted[:NOT_DEFINED])
    return kind


def _orders_without_items(rng: np.random.Generator, status: IntArray, counts: _Counts) -> BoolArray:
    """Unavailable and created orders never got items, nor did a quarter of cancellations."""
    has_items: BoolArray = (status != UNAVAILABLE) & (status != CREATED)
    canceled = np.flatnonzero(status == CANCELED)
    item_less = counts.orders - counts.of("orders_with_items")
    emptied = int(np.clip(item_less - (~has_items).sum(), 0, canceled.size))
    has_items[rng.permutation(canceled)[:emptied]] = False
    return has_items


@dataclass(frozen=True)
class _Timeline:
    """Lifecycle timestamps in epoch seconds; masks say which steps were reached."""

    purchase: IntArray
    approved: IntArray
    carrier: IntArray
    delivered: IntArray
    estimated: IntArray
    has_approved: BoolArray
    has_carrier: BoolArray
    has_delivered: BoolArray
    late: BoolArray


def _approval_delay(rng: np.random.Generator, payment: IntArray) -> IntArray:
    """Cards clear in minutes, boletos when paid at the bank a day or three later."""
    n = payment.size
    card = rng.lognormal(np.log(900), 1.3, n)
    instant = rng.lognormal(np.log(400), 1.0, n)
    boleto = SECONDS_PER_DAY * (0.6 + rng.gamma(2.0, 0.6, n))
    delay = np.where(payment == BOLETO, boleto, np.where(payment == CREDIT_CARD, card, instant))
    return np.minimum(np.rint(delay), 6 * SECONDS_PER_DAY).astype(np.int64)


def _promised_days(
    rng: np.random.Generator, customer_state: IntArray, purchase: IntArray
) -> IntArray:
    """Checkout promise: longer far from São Paulo and around Black Friday."""
    by_state = np.array([PROMISED_DAYS_BY_REGION[region] for _, region, _, _ in STATES])
    by_state[STATE_CODES.index("SP")] = PROMISED_DAYS_SP
    base = by_state[customer_state]
    busy = (purchase >= _epoch_seconds(np.datetime64("2017-11-20", "D"))) & (
        purchase < _epoch_seconds(np.datetime64("2018-01-01", "D"))
    )
    return (base + rng.integers(-3, 7, purchase.size) + 5 * busy).astype(np.int64)


def _late_risk(customer_state: IntArray, purchase: IntArray, delivered: BoolArray) -> FloatArray:
    """Chance of a late delivery, normalised so ≈8% of delivered orders arrive late."""
    risk = np.array([LATE_RISK_BY_STATE[code] for code in STATE_CODES])[customer_state]
    for start, end, factor in LATE_SEASONS:
        in_season = (purchase >= _epoch_seconds(start)) & (purchase < _epoch_seconds(end))
        risk = np.where(in_season, risk * factor, risk)
    scaled = risk * LATE_DELIVERY_SHARE / max(float(risk[delivered].mean()), 1e-9)
    return np.asarray(np.clip(scaled, 0.0, 0.9), dtype=np.float64)


def _lifecycle_masks(
    rng: np.random.Generator, status: IntArray, payment: IntArray, has_items: BoolArray
) -> tuple[BoolArray, BoolArray, BoolArray]:
    """Which steps each order reached, given its status (a few canceled orders had shipped)."""
    canceled = status == CANCELED
    has_approved = ~np.isin(status, (CREATED,)) & (payment != NOT_DEFINED)
    has_approved &= ~canceled | (rng.random(status.size) < 0.77)
    has_carrier = np.isin(status, (DELIVERED, SHIPPED))
    has_carrier |= canceled & has_approved & has_items & (rng.random(status.size) < 0.16)
    has_delivered = (status == DELIVERED) | (
        canceled & has_carrier & (rng.random(status.size) < 0.08)
    )
    return has_approved, has_carrier, has_delivered


def _timeline(
    seed: int,
    counts: _Counts,
    purchase: IntArray,
    status: IntArray,
    payment: IntArray,
    has_items: BoolArray,
    customer_state: IntArray,
) -> _Timeline:
    rng = _rng(seed, "timeline")
    n = purchase.size
    has_approved, has_carrier, has_delivered = _lifecycle_masks(rng, status, payment, has_items)
    approved = purchase + _approval_delay(rng, payment)
    estimated = (
        _floor_day(purchase) + _promised_days(rng, customer_state, purchase) * SECONDS_PER_DAY
    )

    late = has_delivered & (rng.random(n) < _late_risk(customer_state, purchase, has_delivered))
    on_time_share = rng.beta(3.5, 3.0, n)
    lateness = SECONDS_PER_DAY * (0.3 + rng.exponential(7.0, n))
    delivered = np.where(
        late,
        estimated + lateness,
        approved + (estimated - 3_600 - approved) * on_time_share,
    )
    delivered = np.maximum(delivered, approved + SECONDS_PER_DAY * rng.uniform(1, 2, n))
    late = has_delivered & (delivered > estimated)
    handling = SECONDS_PER_DAY * rng.lognormal(np.log(1.8), 0.6, n)
    carrier = approved + np.where(
        has_delivered, np.minimum(handling, 0.75 * (delivered - approved)), handling
    )

    quirk = rng.choice(
        np.flatnonzero(status == DELIVERED), counts.of("delivered_without_approval"), False
    )
    has_approved[quirk] = False
    return _Timeline(
        purchase=purchase,
        approved=approved,
        carrier=np.rint(carrier).astype(np.int64),
        delivered=np.rint(delivered).astype(np.int64),
        estimated=estimated,
        has_approved=has_approved,
        has_carrier=has_carrier,
        has_delivered=has_delivered,
        late=late,
    )


@dataclass(frozen=True)
class _Orders:
    order_ids: pa.Array
    customer_ids: pa.Array
    person: IntArray
    status: IntArray
    payment: IntArray
    has_items: BoolArray
    timeline: _Timeline


def _orders(seed: int, counts: _Counts, people: _Places, cities: _Cities) -> _Orders:
    rng = _rng(seed, "orders")
    n = counts.orders
    purchase = _purchase_timestamps(rng, n)
    status = _assign_statuses(rng, purchase, counts.status_counts())
    has_items = _orders_without_items(rng, status, counts)
    payment = _first_payment_types(rng, counts, status, has_items)
    per_person = _orders_per_person(rng, people.city.size, n)
    person = rng.permutation(np.repeat(np.arange(per_person.size), per_person))
    customer_state = cities.state[people.city[person]]
    timeline = _timeline(seed, counts, purchase, status, payment, has_items, customer_state)
    return _Orders(
        order_ids=_hex_ids(rng, n),
        customer_ids=_hex_ids(rng, n),
        person=person,
        status=status,
        payment=payment,
        has_items=has_items,
        timeline=timeline,
    )


# ============================================================================================
# Order items
# ============================================================================================


@dataclass(frozen=True)
class _Items:
    order: IntArray
    item_number: IntArray
    product: IntArray
    seller: IntArray
    shipping_limit: IntArray
    price_cents: IntArray
    freight_cents: IntArray


def _items_per_order(rng: np.random.Generator, counts: _Counts, n_orders: int) -> IntArray:
    """Items of each order with items: ~10% hold more than one, a few up to ~20."""
    extra = counts.of("order_items") - n_orders
    multi = min(
        extra, round(counts.of("multi_item_orders") * n_orders / counts.of("orders_with_items"))
    )
    per_order = np.ones(n_orders, dtype=np.int64)
    who = rng.choice(n_orders, size=multi, replace=False)
    per_order[who] += 1 + _spread(rng, extra - multi, multi, sigma=1.1)
    return per_order


def _repeated_from(rng: np.random.Generator, item_number: IntArray) -> IntArray:
    """Row each item copies (itself if it is a new product): quantity > 1 repeats rows."""
    rows = item_number.size
    is_new = (item_number == 1) | (rng.random(rows) >= REPEATED_ITEM_SHARE)
    return np.maximum.accumulate(np.where(is_new, np.arange(rows), 0)).astype(np.int64)


def _item_products(rng: np.random.Generator, source: IntArray, products: _Products) -> IntArray:
    """Product of each item; every catalogue product sells at least once."""
    new_rows = np.flatnonzero(source == np.arange(source.size))
    drawn = _cover_then_draw(rng, new_rows.size, products.popularity.size, products.popularity)
    product = np.zeros(source.size, dtype=np.int64)
    product[new_rows] = drawn
    return product[source]


def _item_prices(
    rng: np.random.Generator, product: IntArray, purchase: IntArray, products: _Products
) -> IntArray:
    """Price at purchase time: sellers reprice once, half of them discount Black Friday week."""
    price = np.where(
        purchase >= products.reprice_at[product],
        products.repriced_cents[product],
        products.price_cents[product],
    )
    bf_start, bf_end = (_epoch_seconds(day) for day in BLACK_FRIDAY_WEEK)
    promo = products.black_friday_cents[product]
    on_sale = (purchase >= bf_start) & (purchase < bf_end) & (promo > 0)
    return np.where(on_sale, promo, price).astype(np.int64)


def _freight_multipliers() -> FloatArray:
    """Freight multiplier for every (seller state, customer state) pair."""
    region = np.array([REGIONS.index(s[1]) for s in STATES])
    matrix = np.array(
        [[FREIGHT_DISTANCE[(REGIONS[a], REGIONS[b])] for b in region] for a in region],
        dtype=np.float64,
    )
    np.fill_diagonal(matrix, SAME_STATE_FREIGHT)
    return matrix


def _item_freight(
    rng: np.random.Generator, weight_g: IntArray, seller_state: IntArray, customer_state: IntArray
) -> IntArray:
    """Correios-like freight: grows with weight and distance between seller and customer."""
    kilos = weight_g / 1_000
    distance = _freight_multipliers()[seller_state, customer_state]
    reais = (9.0 + 4.2 * kilos**0.8) * distance * rng.lognormal(0.0, 0.18, weight_g.size)
    return np.rint(reais * 100).astype(np.int64)


def _order_items(
    seed: int,
    counts: _Counts,
    cities: _Cities,
    orders: _Orders,
    people: _Places,
    sellers: _Sellers,
    products: _Products,
) -> _Items:
    rng = _rng(seed, "order_items")
    with_items = np.flatnonzero(orders.has_items)
    per_order = _items_per_order(rng, counts, with_items.size)
    order = np.repeat(with_items, per_order)
    item_number = number_within_runs(per_order) + 1
    source = _repeated_from(rng, item_number)
    product = _item_products(rng, source, products)
    seller = products.seller[product]
    tl = orders.timeline
    ready = np.where(tl.has_approved, tl.approved, tl.purchase)[order]
    customer_state = cities.state[people.city[orders.person[order]]]
    seller_state = cities.state[sellers.place.city[seller]]
    return _Items(
        order=order,
        item_number=item_number,
        product=product,
        seller=seller,
        shipping_limit=ready + sellers.shipping_days[seller] * SECONDS_PER_DAY,
        price_cents=_item_prices(rng, product, tl.purchase[order], products),
        freight_cents=_item_freight(rng, products.weight_g[product], seller_state, customer_state)[
            source
        ],
    )


def _order_totals(rng: np.random.Generator, orders: _Orders, items: _Items) -> IntArray:
    """What each order cost: its items plus freight, or a would-be basket for item-less ones."""
    n = orders.status.size
    totals = np.bincount(items.order, weights=items.price_cents + items.freight_cents, minlength=n)
    would_be = np.rint(rng.lognormal(np.log(9_000), 0.8, n))
    totals = np.where(orders.has_items, totals, would_be)
    return np.where(orders.payment == NOT_DEFINED, 0, totals).astype(np.int64)


# ============================================================================================
# Payments
# ============================================================================================


@dataclass(frozen=True)
class _Payments:
    order: IntArray
    sequential: IntArray
    kind: IntArray
    installments: IntArray
    value_cents: IntArray


def _extra_voucher_rows(rng: np.random.Generator, counts: _Counts, payment: IntArray) -> IntArray:
    """Additional voucher rows per order: card orders topped up, voucher orders split up."""
    extra_total = counts.of("order_payments") - counts.orders
    on_cards = round(EXTRA_VOUCHERS_ON_CARDS * extra_total)
    extra = np.zeros(payment.size, dtype=np.int64)
    for kind, amount, first_share in (
        (CREDIT_CARD, on_cards, 0.85),
        (VOUCHER, extra_total - on_cards, 0.5),
    ):
        holders = np.flatnonzero(payment == kind)
        if kind == VOUCHER and holders.size == 0:
            holders = np.flatnonzero(payment == CREDIT_CARD)
        takers = rng.choice(
            holders, size=min(holders.size, max(1, round(first_share * amount))), replace=False
        )
        extra[takers] += 1 + _spread(rng, amount - takers.size, takers.size, sigma=1.2)
    return extra


def _split_cents(
    rng: np.random.Generator, total: IntArray, rows: IntArray, first_weight: FloatArray
) -> IntArray:
    """Split each order total over its rows; the first row absorbs rounding so sums are exact."""
    order = np.repeat(np.arange(rows.size), rows)
    position = number_within_runs(rows)
    weight = np.where(position == 0, first_weight[order], rng.exponential(1.0, order.size))
    share = weight / np.bincount(order, weights=weight)[order]
    cents = np.floor(total[order] * share).astype(np.int64)
    residual = total - np.bincount(order, weights=cents, minlength=rows.size).astype(np.int64)
    cents[find_run_starts(rows)] += residual
    return cents


def _card_installments(rng: np.random.Generator, value_cents: IntArray) -> IntArray:
    """Published installment mix, the longer plans going to the dearer payments."""
    wanted = np.sort(choose_weighted(rng, CARD_INSTALLMENT_COUNTS, value_cents.size))
    appetite = value_cents * rng.lognormal(0.0, 1.0, value_cents.size)
    installments = np.empty_like(wanted)
    installments[np.argsort(appetite, kind="stable")] = wanted
    ceiling = np.maximum(1, value_cents // MIN_INSTALLMENT_CENTS)
    return np.clip(installments, 1, ceiling).astype(np.int64)


def _payments(seed: int, counts: _Counts, orders: _Orders, totals: IntArray) -> _Payments:
    rng = _rng(seed, "payments")
    extra = _extra_voucher_rows(rng, counts, orders.payment)
    rows = 1 + extra
    order = np.repeat(np.arange(rows.size), rows)
    position = number_within_runs(rows)
    kind = np.where(position == 0, orders.payment[order], VOUCHER)
    card_weight = 2.0 * extra * rng.uniform(0.5, 2.0, rows.size)
    first_weight = np.where(orders.payment == VOUCHER, rng.exponential(1.0, rows.size), card_weight)
    value = _split_cents(rng, totals, rows, np.maximum(first_weight, 1e-3))
    installments = np.where(kind == CREDIT_CARD, _card_installments(rng, value), 1)
    return _Payments(
        order=order,
        sequential=position + 1,
        kind=kind,
        installments=installments.astype(np.int64),
        value_cents=value,
    )


# ============================================================================================
# Reviews
# ============================================================================================


@dataclass(frozen=True)
class _Reviews:
    order: IntArray
    score: IntArray
    title: pa.Array
    message: pa.Array
    created: IntArray
    answered: IntArray


def _reviewed_orders(rng: np.random.Generator, counts: _Counts, orders: _Orders) -> IntArray:
    """Orders with a survey answer (most delivered ones); a few answered twice."""
    delivered = orders.timeline.has_delivered
    weights = np.where(delivered, 1.0, 0.35)
    reviewed = np.sort(_pick_weighted(rng, weights, counts.of("reviewed_orders")))
    twice = rng.choice(reviewed, size=counts.of("order_reviews") - reviewed.size, replace=False)
    return np.concatenate((reviewed, np.sort(twice)))


def _review_scores(rng: np.random.Generator, outcome: IntArray) -> IntArray:
    """Scores 1..5 skewed to 5, and much lower for late or undelivered orders."""
    cumulative = np.cumsum(np.array(REVIEW_SCORE_PROBABILITIES), axis=1)[outcome]
    above: BoolArray = rng.random(outcome.size)[:, None] > cumulative[:, :-1]
    return np.asarray(above.sum(axis=1) + 1, dtype=np.int64)


def _pick_texts(
    rng: np.random.Generator, pools: Sequence[Sequence[str]], pool: IntArray
) -> pa.Array:
    """One text per row from the pool each row names (all pools concatenated, then indexed)."""
    sizes = np.array([len(p) for p in pools], dtype=np.int64)
    offsets = find_run_starts(sizes)
    index = offsets[pool] + (rng.random(pool.size) * sizes[pool]).astype(np.int64)
    return pa.array([text for p in pools for text in p]).take(pa.array(index))


def _review_texts(
    rng: np.random.Generator, score: IntArray, outcome: IntArray
) -> tuple[pa.Array, pa.Array]:
    """Mostly empty titles and messages; sentiment follows the score and the delivery."""
    n = score.size
    sentiment = np.where(score >= 4, 0, np.where(score == 3, 1, 2))
    title = _pick_texts(rng, (POSITIVE_TITLES, NEUTRAL_TITLES, NEGATIVE_TITLES), sentiment)
    message_pool = np.where((sentiment == 2) & (outcome > 0), 3, sentiment)
    pools = (
        POSITIVE_MESSAGES,
        NEUTRAL_MESSAGES,
        NEGATIVE_PRODUCT_MESSAGES,
        NEGATIVE_DELIVERY_MESSAGES,
    )
    first = _pick_texts(rng, pools, message_pool)
    second = _pick_texts(rng, pools, message_pool)
    multiline = pa.array(rng.random(n) < MULTILINE_MESSAGE_SHARE)
    joined = pc.binary_join_element_wise(first, second, MESSAGE_LINE_BREAK)
    message = pc.if_else(multiline, joined, first)
    has_title = pa.array(rng.random(n) < REVIEW_TITLE_SHARE)
    has_message = pa.array(rng.random(n) < np.array(REVIEW_MESSAGE_SHARE)[score - 1])
    empty = pa.scalar(None, pa.string())
    return pc.if_else(has_title, title, empty), pc.if_else(has_message, message, empty)


def _review_dates(
    rng: np.random.Generator, order: IntArray, tl: _Timeline, second: BoolArray
) -> tuple[IntArray, IntArray]:
    """Survey sent the day after delivery (or around the promise date), answered days later."""
    n = order.size
    waited = tl.purchase[order] + SECONDS_PER_DAY * rng.integers(2, 20, n)
    sent_from = np.where(
        tl.has_delivered[order],
        tl.delivered[order],
        np.maximum(waited, tl.estimated[order] - SECONDS_PER_DAY * rng.integers(0, 8, n)),
    )
    sent_from = sent_from + second * SECONDS_PER_DAY * rng.integers(1, 30, n)
    created = _floor_day(sent_from) + SECONDS_PER_DAY * (1 + (rng.random(n) < 0.2))
    answer_delay = rng.lognormal(np.log(30 * SECONDS_PER_HOUR), 0.9, n)
    answered = created + np.rint(np.minimum(answer_delay, 60 * SECONDS_PER_DAY)).astype(np.int64)
    return created, answered


def _reviews(seed: int, counts: _Counts, orders: _Orders) -> _Reviews:
    rng = _rng(seed, "reviews")
    order = _reviewed_orders(rng, counts, orders)
    second = np.zeros(order.size, dtype=np.bool_)
    second[counts.of("reviewed_orders") :] = True
    tl = orders.timeline
    outcome = np.where(tl.has_delivered[order], tl.late[order].astype(np.int64), 2)
    score = _review_scores(rng, outcome)
    title, message = _review_texts(rng, score, outcome)
    created, answered = _review_dates(rng, order, tl, second)
    return _Reviews(order, score, title, message, created, answered)


# ============================================================================================
# Geolocation
# ============================================================================================


@dataclass(frozen=True)
class _Geolocation:
    zip: IntArray
    city_name: pa.Array
    state: IntArray
    lat: FloatArray
    lng: FloatArray


def _city_spellings(rng: np.random.Generator, city: IntArray, cities: _Cities) -> pa.Array:
    """``sao paulo`` mostly, ``são paulo`` sometimes, as geocoders returned them."""
    plain = pa.array([_ascii_lower(name) for name in cities.name])
    accented = pa.array([name.lower() for name in cities.name])
    index = pa.array(city)
    use_accents = pa.array(rng.random(city.size) < ACCENTED_CITY_SHARE)
    return pc.if_else(use_accents, accented.take(index), plain.take(index))


def _geolocation(
    seed: int, counts: _Counts, cities: _Cities, universe: _ZipUniverse
) -> _Geolocation:
    """Several geocoded points per prefix, repeated points included (as in the published file)."""
    rng = _rng(seed, "geolocation")
    by_zip = np.argsort(universe.zip, kind="stable")  # the published file runs by zip prefix
    zips, city = universe.zip[by_zip], universe.city[by_zip]
    rows = counts.of("geolocation")
    appetite = rng.lognormal(0.0, 1.0, zips.size) * np.sqrt(
        cities.weight[city] / cities.zip_span[city]
    )
    per_zip = 1 + rng.multinomial(rows - zips.size, appetite / appetite.sum())
    radius = 0.02 + 0.0015 * np.sqrt(cities.zip_span[city])
    zip_lat = cities.lat[city] + rng.normal(0, 1, zips.size) * radius
    zip_lng = cities.lng[city] + rng.normal(0, 1, zips.size) * radius
    # fewer distinct points than rows: some rows repeat a point, as in the published file
    points = np.ceil(per_zip * GEOCODED_POINTS_PER_ROW).astype(np.int64)
    point_zip = np.repeat(np.arange(zips.size), points)
    point_lat = zip_lat[point_zip] + rng.normal(0, 0.004, point_zip.size)
    point_lng = zip_lng[point_zip] + rng.normal(0, 0.004, point_zip.size)
    row_zip = np.repeat(np.arange(zips.size), per_zip)
    within = (rng.random(rows) * points[row_zip]).astype(np.int64)
    row_point = find_run_starts(points)[row_zip] + within
    lat, lng = point_lat[row_point], point_lng[row_point]
    outliers = rng.choice(rows, counts.of("geolocation_outliers"), replace=False)
    bad = np.array(OUTLIER_COORDINATES)[rng.integers(0, len(OUTLIER_COORDINATES), outliers.size)]
    lat[outliers], lng[outliers] = bad[:, 0], bad[:, 1]
    row_city = city[row_zip]
    return _Geolocation(
        zip=zips[row_zip],
        city_name=_city_spellings(rng, row_city, cities),
        state=cities.state[row_city],
        lat=lat,
        lng=lng,
    )


# ============================================================================================
# Writing
# ============================================================================================


def _float_text(values: IntArray, valid: BoolArray) -> pa.Array:
    """Whole numbers written as floats (``40.0``), empty where unknown, as published."""
    text = pc.cast(pa.array(values, mask=~valid), pa.string())
    return pc.binary_join_element_wise(text, ".0", "")


def _with_state_suffix(rng: np.random.Generator, city: pa.Array, state: pa.Array) -> pa.Array:
    """Free-text seller cities: a few sellers type ``sao paulo - sp`` or ``sao paulo/sp``."""
    n = len(city)
    separator = pa.array(np.array([" - ", "/"])[rng.integers(0, 2, n)])
    suffixed = pc.binary_join_element_wise(city, separator, pc.utf8_lower(state), "")
    typed = np.zeros(n, dtype=np.bool_)
    typed[rng.choice(n, size=max(1, round(SELLER_CITY_WITH_STATE_SHARE * n)), replace=False)] = True
    return pc.if_else(pa.array(typed), suffixed, city)


def _shuffled(rng: np.random.Generator, columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
    """Rows in no particular order, like the published exports."""
    order = pa.array(rng.permutation(len(next(iter(columns.values())))))
    return {name: column.take(order) for name, column in columns.items()}


def _ascii_city_names(cities: _Cities) -> tuple[str, ...]:
    return tuple(_ascii_lower(name) for name in cities.name)


# ============================================================================================
# Entry point
# ============================================================================================


def generate(landing_dir: Path, *, scale: Scale, seed: int) -> list[Path]:
    """Writes the nine Olist CSV files into ``landing_dir`` (creating it); returns their paths."""
    landing_dir.mkdir(parents=True, exist_ok=True)
    counts = _Counts.for_scale(scale)
    cities = _Cities.load()
    zips = _zip_universe(_rng(seed, "zips"), counts, cities)
    people = _draw_places(_rng(seed, "people"), cities, zips, 2, counts.of("people"))
    sellers = _sellers(seed, counts, cities, zips)
    products = _products(seed, counts, sellers)
    orders = _orders(seed, counts, people, cities)
    items = _order_items(seed, counts, cities, orders, people, sellers, products)
    totals = _order_totals(_rng(seed, "totals"), orders, items)
    payments = _payments(seed, counts, orders, totals)
    reviews = _reviews(seed, counts, orders)
    geolocation = _geolocation(seed, counts, cities, zips)

    rng = _rng(seed, "files")
    ids = _Ids.draw(
        seed,
        people.city.size,
        sellers.popularity.size,
        products.popularity.size,
        reviews.order.size,
    )
    tables = {
        "customers": _shuffled(rng, _customers_columns(orders, people, cities, ids)),
        "geolocation": _geolocation_columns(geolocation),
        "order_items": _order_items_columns(items, orders, ids),
        "order_payments": _shuffled(rng, _payments_columns(payments, orders)),
        "order_reviews": _shuffled(rng, _reviews_columns(reviews, orders, ids)),
        "orders": _shuffled(rng, _orders_columns(orders)),
        "products": _shuffled(rng, _products_columns(products, ids)),
        "sellers": _shuffled(rng, _sellers_columns(rng, sellers, cities, ids)),
        "product_category_name_translation": _translation_columns(),
    }
    return [
        write_csv(
            pa.table(columns),
            landing_dir / FILE_NAMES[name],
            bom=name == "product_category_name_translation",
        )
        for name, columns in tables.items()
    ]


@dataclass(frozen=True)
class _Ids:
    person: pa.Array
    seller: pa.Array
    product: pa.Array
    review: pa.Array

    @classmethod
    def draw(cls, seed: int, people: int, sellers: int, products: int, reviews: int) -> _Ids:
        rng = _rng(seed, "ids")
        return cls(
            person=_hex_ids(rng, people),
            seller=_hex_ids(rng, sellers),
            product=_hex_ids(rng, products),
            review=_hex_ids(rng, reviews),
        )


def _take(values: pa.Array, index: IntArray) -> pa.Array:
    return values.take(pa.array(index))


def _customers_columns(
    orders: _Orders, people: _Places, cities: _Cities, ids: _Ids
) -> dict[str, pa.Array]:
    city = people.city[orders.person]
    return {
        "customer_id": orders.customer_ids,
        "customer_unique_id": _take(ids.person, orders.person),
        "customer_zip_code_prefix": format_zero_padded(
            people.zip[orders.person], ZIP_PREFIX_DIGITS
        ),
        "customer_city": take_words(_ascii_city_names(cities), city),
        "customer_state": take_words(STATE_CODES, cities.state[city]),
    }


def _geolocation_columns(geo: _Geolocation) -> dict[str, pa.Array]:
    return {
        "geolocation_zip_code_prefix": format_zero_padded(geo.zip, ZIP_PREFIX_DIGITS),
        "geolocation_lat": pa.array(geo.lat),
        "geolocation_lng": pa.array(geo.lng),
        "geolocation_city": geo.city_name,
        "geolocation_state": take_words(STATE_CODES, geo.state),
    }


def _order_items_columns(items: _Items, orders: _Orders, ids: _Ids) -> dict[str, pa.Array]:
    """Published sorted by order id, then item number."""
    columns = {
        "order_id": _take(orders.order_ids, items.order),
        "order_item_id": pa.array(items.item_number),
        "product_id": _take(ids.product, items.product),
        "seller_id": _take(ids.seller, items.seller),
        "shipping_limit_date": format_epoch_seconds(items.shipping_limit),
        "price": format_cents(items.price_cents),
        "freight_value": format_cents(items.freight_cents),
    }
    order = pc.sort_indices(
        pa.table(columns), sort_keys=[("order_id", "ascending"), ("order_item_id", "ascending")]
    )
    return {name: column.take(order) for name, column in columns.items()}


def _payments_columns(payments: _Payments, orders: _Orders) -> dict[str, pa.Array]:
    return {
        "order_id": _take(orders.order_ids, payments.order),
        "payment_sequential": pa.array(payments.sequential),
        "payment_type": take_words(PAYMENT_TYPES, payments.kind),
        "payment_installments": pa.array(payments.installments),
        "payment_value": format_cents(payments.value_cents),
    }


def _reviews_columns(reviews: _Reviews, orders: _Orders, ids: _Ids) -> dict[str, pa.Array]:
    return {
        "review_id": ids.review,
        "order_id": _take(orders.order_ids, reviews.order),
        "review_score": pa.array(reviews.score),
        "review_comment_title": reviews.title,
        "review_comment_message": reviews.message,
        "review_creation_date": format_epoch_seconds(reviews.created),
        "review_answer_timestamp": format_epoch_seconds(reviews.answered),
    }


def _orders_columns(orders: _Orders) -> dict[str, pa.Array]:
    tl = orders.timeline
    return {
        "order_id": orders.order_ids,
        "customer_id": orders.customer_ids,
        "order_status": take_words(ORDER_STATUSES, orders.status),
        "order_purchase_timestamp": format_epoch_seconds(tl.purchase),
        "order_approved_at": format_epoch_seconds(tl.approved, valid=tl.has_approved),
        "order_delivered_carrier_date": format_epoch_seconds(tl.carrier, valid=tl.has_carrier),
        "order_delivered_customer_date": format_epoch_seconds(tl.delivered, valid=tl.has_delivered),
        "order_estimated_delivery_date": format_epoch_seconds(tl.estimated),
    }


def _products_columns(products: _Products, ids: _Ids) -> dict[str, pa.Array]:
    categorised = products.category != NO_CATEGORY
    measured = ~products.unmeasured
    category = pa.array([c[0] for c in CATEGORIES]).take(
        pa.array(products.category, mask=~categorised)
    )
    return {
        "product_id": ids.product,
        "product_category_name": category,
        "product_name_lenght": _float_text(products.name_length, categorised),
        "product_description_lenght": _float_text(products.description_length, categorised),
        "product_photos_qty": _float_text(products.photos, categorised),
        "product_weight_g": _float_text(products.weight_g, measured),
        "product_length_cm": _float_text(products.length_cm, measured),
        "product_height_cm": _float_text(products.height_cm, measured),
        "product_width_cm": _float_text(products.width_cm, measured),
    }


def _sellers_columns(
    rng: np.random.Generator, sellers: _Sellers, cities: _Cities, ids: _Ids
) -> dict[str, pa.Array]:
    city = sellers.place.city
    state = take_words(STATE_CODES, cities.state[city])
    return {
        "seller_id": ids.seller,
        "seller_zip_code_prefix": format_zero_padded(sellers.place.zip, ZIP_PREFIX_DIGITS),
        "seller_city": _with_state_suffix(rng, take_words(_ascii_city_names(cities), city), state),
        "seller_state": state,
    }


def _translation_columns() -> dict[str, pa.Array]:
    return {
        "product_category_name": pa.array([c[0] for c in CATEGORIES]),
        "product_category_name_english": pa.array([c[1] for c in CATEGORIES]),
    }
