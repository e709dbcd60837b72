"""Demo data in the Contoso Data Generator V2 CSV layout, for a European fashion retailer.

What is modelled, and why it matters downstream:

* stores in six countries plus the online store (StoreKey 999999); stores open and close
  during the period, German and French stores are closed on Sundays, all on Christmas and
  New Year's Day (store orders move to the previous trading day);
* customers with local names, addresses, postcodes and coordinates, an activity window
  (StartDT..EndDT: new joiners and churners) and a heavy-tailed purchase propensity
  (many one-off buyers, a few loyal repeat customers); Swiss, Swedish and US customers can
  only buy online and pay in CHF, SEK and USD;
* seasonality (Black Friday, Christmas peak, quiet February), per-subcategory seasons
  (coats in winter, swimwear in summer), gender-dependent category mix, online share
  growing over time, longer online deliveries in the peak and abroad;
* prices in USD as in V2 (list prices rising every year, winter/summer sales in January and
  July, Black Friday promotions, clearance of discontinued products), converted to the
  order currency with daily ECB-like rates that are identical to ``currencyexchange.csv``;
* an inventory snapshot for the best sellers, simulated day by day from the sales: sales
  deplete stock, a replenishment order is placed at the reorder point and arrives after a
  lead time; a line that finds the shelf empty is a lost sale and is not written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from retail_lakehouse.sources.contract import Scale
from retail_lakehouse.sources.synth import (
    BoolArray,
    FloatArray,
    IntArray,
    choose_weighted,
    cumsum_within,
    number_within_runs,
    rank_within,
    weekday_of,
)

StrArray = npt.NDArray[np.str_]

DEFAULT_START = date(2021, 1, 1)
DEFAULT_END = date(2024, 12, 31)
_EPOCH = date(1970, 1, 1)

ONLINE_STORE_KEY = 999_999
ONLINE_GEO_AREA_KEY = -1
BASE_CURRENCY = "USD"
#: Currencies of currencyexchange.csv, in the order V2 sorts them.
CURRENCIES = ("CHF", "EUR", "GBP", "SEK", "USD")
_NO_MONTH = 10_000
"""Month index meaning 'never' for product discontinuation."""


@dataclass(frozen=True)
class ScaleProfile:
    """How big each table gets at one scale."""

    sales_lines: int
    customers: int
    products: int
    store_tier: int
    """Stores of tier <= this are open for business (1: one or two per country)."""
    inventory_products: int
    """Best sellers tracked in inventory.csv (at every store)."""


SCALE_PROFILES: dict[Scale, ScaleProfile] = {
    Scale.small: ScaleProfile(5_000, 1_000, 80, 1, 30),
    Scale.medium: ScaleProfile(100_000, 15_000, 400, 2, 40),
    Scale.full: ScaleProfile(1_000_000, 100_000, 1_500, 3, 50),
}

# --------------------------------------------------------------------------- geography


@dataclass(frozen=True)
class CountrySpec:
    code: str
    name: str
    continent: str
    currency: str
    customer_share: float
    sunday_closed: bool
    street_first: bool
    """'Hauptstraße 12' (True) or '12 High Street' (False)."""
    zip_pattern: str
    """P = city prefix, # = digit, L = letter, % = number 1..20; other chars literal."""
    delivery_extra_days: int
    """Extra online delivery days (customs, distance)."""


COUNTRIES: tuple[CountrySpec, ...] = (
    CountrySpec("DE", "Germany", "Europe", "EUR", 0.28, True, True, "P###", 0),
    CountrySpec("FR", "France", "Europe", "EUR", 0.19, True, False, "P###", 0),
    CountrySpec("IT", "Italy", "Europe", "EUR", 0.14, False, True, "P##", 0),
    CountrySpec("ES", "Spain", "Europe", "EUR", 0.12, False, True, "P###", 0),
    CountrySpec("NL", "Netherlands", "Europe", "EUR", 0.08, False, True, "P## LL", 0),
    CountrySpec("GB", "United Kingdom", "Europe", "GBP", 0.14, False, False, "P% #LL", 1),
    CountrySpec("CH", "Switzerland", "Europe", "CHF", 0.025, False, True, "P##", 2),
    CountrySpec("SE", "Sweden", "Europe", "SEK", 0.02, False, True, "P# ##", 2),
    CountrySpec("US", "United States", "North America", "USD", 0.015, False, False, "P##", 3),
)
_COUNTRY_INDEX = {c.code: i for i, c in enumerate(COUNTRIES)}


@dataclass(frozen=True)
class CitySpec:
    country: str
    name: str
    state: str
    state_full: str
    latitude: float
    longitude: float
    weight: float
    zip_prefix: str


CITIES: tuple[CitySpec, ...] = (
    CitySpec("DE", "Berlin", "BE", "Berlin", 52.520, 13.405, 10, "10"),
    CitySpec("DE", "Hamburg", "HH", "Hamburg", 53.551, 9.994, 6, "20"),
    CitySpec("DE", "München", "BY", "Bayern", 48.137, 11.575, 7, "80"),
    CitySpec("DE", "Köln", "NW", "Nordrhein-Westfalen", 50.938, 6.960, 5, "50"),
    CitySpec("DE", "Frankfurt am Main", "HE", "Hessen", 50.110, 8.682, 4, "60"),
    CitySpec("DE", "Stuttgart", "BW", "Baden-Württemberg", 48.776, 9.183, 4, "70"),
    CitySpec("DE", "Düsseldorf", "NW", "Nordrhein-Westfalen", 51.228, 6.773, 3, "40"),
    CitySpec("DE", "Leipzig", "SN", "Sachsen", 51.340, 12.375, 3, "04"),
    CitySpec("DE", "Dortmund", "NW", "Nordrhein-Westfalen", 51.514, 7.468, 3, "44"),
    CitySpec("DE", "Nürnberg", "BY", "Bayern", 49.452, 11.077, 2, "90"),
    CitySpec("DE", "Hannover", "NI", "Niedersachsen", 52.375, 9.732, 3, "30"),
    CitySpec("DE", "Bremen", "HB", "Bremen", 53.079, 8.802, 2, "28"),
    CitySpec("FR", "Paris", "IDF", "Île-de-France", 48.857, 2.352, 12, "75"),
    CitySpec("FR", "Lyon", "ARA", "Auvergne-Rhône-Alpes", 45.764, 4.836, 5, "69"),
    CitySpec("FR", "Marseille", "PAC", "Provence-Alpes-Côte d'Azur", 43.296, 5.370, 5, "13"),
    CitySpec("FR", "Toulouse", "OCC", "Occitanie", 43.605, 1.444, 4, "31"),
    CitySpec("FR", "Bordeaux", "NAQ", "Nouvelle-Aquitaine", 44.838, -0.579, 3, "33"),
    CitySpec("FR", "Lille", "HDF", "Hauts-de-France", 50.629, 3.057, 3, "59"),
    CitySpec("FR", "Nantes", "PDL", "Pays de la Loire", 47.218, -1.554, 3, "44"),
    CitySpec("FR", "Strasbourg", "GES", "Grand Est", 48.573, 7.752, 2, "67"),
    CitySpec("FR", "Nice", "PAC", "Provence-Alpes-Côte d'Azur", 43.710, 7.262, 2, "06"),
    CitySpec("FR", "Rennes", "BRE", "Bretagne", 48.117, -1.678, 2, "35"),
    CitySpec("IT", "Milano", "LOM", "Lombardia", 45.464, 9.190, 8, "201"),
    CitySpec("IT", "Roma", "LAZ", "Lazio", 41.903, 12.496, 9, "001"),
    CitySpec("IT", "Torino", "PIE", "Piemonte", 45.070, 7.687, 4, "101"),
    CitySpec("IT", "Napoli", "CAM", "Campania", 40.852, 14.268, 5, "801"),
    CitySpec("IT", "Firenze", "TOS", "Toscana", 43.770, 11.256, 3, "501"),
    CitySpec("IT", "Bologna", "EMR", "Emilia-Romagna", 44.494, 11.343, 3, "401"),
    CitySpec("IT", "Venezia", "VEN", "Veneto", 45.441, 12.316, 2, "301"),
    CitySpec("IT", "Palermo", "SIC", "Sicilia", 38.116, 13.361, 3, "901"),
    CitySpec("IT", "Genova", "LIG", "Liguria", 44.405, 8.946, 2, "161"),
    CitySpec("ES", "Madrid", "MD", "Comunidad de Madrid", 40.417, -3.704, 10, "28"),
    CitySpec("ES", "Barcelona", "CT", "Cataluña", 41.385, 2.173, 9, "08"),
    CitySpec("ES", "Valencia", "VC", "Comunidad Valenciana", 39.470, -0.376, 5, "46"),
    CitySpec("ES", "Sevilla", "AN", "Andalucía", 37.389, -5.984, 4, "41"),
    CitySpec("ES", "Málaga", "AN", "Andalucía", 36.721, -4.421, 3, "29"),
    CitySpec("ES", "Bilbao", "PV", "País Vasco", 43.263, -2.935, 3, "48"),
    CitySpec("ES", "Zaragoza", "AR", "Aragón", 41.649, -0.889, 3, "50"),
    CitySpec("ES", "Palma", "IB", "Illes Balears", 39.570, 2.650, 2, "07"),
    CitySpec("NL", "Amsterdam", "NH", "Noord-Holland", 52.370, 4.895, 8, "10"),
    CitySpec("NL", "Rotterdam", "ZH", "Zuid-Holland", 51.924, 4.478, 6, "30"),
    CitySpec("NL", "Den Haag", "ZH", "Zuid-Holland", 52.070, 4.300, 5, "25"),
    CitySpec("NL", "Utrecht", "UT", "Utrecht", 52.091, 5.122, 4, "35"),
    CitySpec("NL", "Eindhoven", "NB", "Noord-Brabant", 51.441, 5.470, 3, "56"),
    CitySpec("NL", "Groningen", "GR", "Groningen", 53.219, 6.567, 2, "97"),
    CitySpec("GB", "London", "ENG", "England", 51.507, -0.128, 14, "SW"),
    CitySpec("GB", "Manchester", "ENG", "England", 53.480, -2.242, 5, "M"),
    CitySpec("GB", "Birmingham", "ENG", "England", 52.486, -1.890, 5, "B"),
    CitySpec("GB", "Leeds", "ENG", "England", 53.801, -1.549, 3, "LS"),
    CitySpec("GB", "Liverpool", "ENG", "England", 53.408, -2.992, 3, "L"),
    CitySpec("GB", "Bristol", "ENG", "England", 51.455, -2.588, 2, "BS"),
    CitySpec("GB", "Glasgow", "SCT", "Scotland", 55.864, -4.252, 3, "G"),
    CitySpec("GB", "Edinburgh", "SCT", "Scotland", 55.953, -3.189, 3, "EH"),
    CitySpec("GB", "Cardiff", "WLS", "Wales", 51.481, -3.179, 2, "CF"),
    CitySpec("GB", "Belfast", "NIR", "Northern Ireland", 54.597, -5.930, 2, "BT"),
    CitySpec("CH", "Zürich", "ZH", "Zürich", 47.377, 8.541, 5, "80"),
    CitySpec("CH", "Genève", "GE", "Genève", 46.204, 6.143, 3, "12"),
    CitySpec("CH", "Basel", "BS", "Basel-Stadt", 47.560, 7.589, 2, "40"),
    CitySpec("CH", "Bern", "BE", "Bern", 46.948, 7.447, 2, "30"),
    CitySpec("CH", "Lausanne", "VD", "Vaud", 46.520, 6.633, 2, "10"),
    CitySpec("SE", "Stockholm", "AB", "Stockholms län", 59.329, 18.069, 6, "11"),
    CitySpec("SE", "Göteborg", "O", "Västra Götalands län", 57.709, 11.975, 3, "41"),
    CitySpec("SE", "Malmö", "M", "Skåne län", 55.605, 13.004, 2, "21"),
    CitySpec("SE", "Uppsala", "C", "Uppsala län", 59.859, 17.639, 1, "75"),
    CitySpec("US", "New York", "NY", "New York", 40.713, -74.006, 5, "100"),
    CitySpec("US", "Los Angeles", "CA", "California", 34.052, -118.244, 3, "900"),
    CitySpec("US", "Chicago", "IL", "Illinois", 41.878, -87.630, 2, "606"),
    CitySpec("US", "Boston", "MA", "Massachusetts", 42.360, -71.059, 2, "021"),
    CitySpec("US", "Miami", "FL", "Florida", 25.762, -80.192, 1, "331"),
    CitySpec("US", "Seattle", "WA", "Washington", 47.606, -122.332, 1, "981"),
)


@dataclass(frozen=True)
class StoreSpec:
    city: str
    site: str
    open_date: date
    close_date: date | None
    square_meters: int
    tier: int
    restructured: bool = False


#: StoreKey = 10 x (position + 1), stable across scales; tier 1 = scale small.
STORES: tuple[StoreSpec, ...] = (
    StoreSpec("Berlin", "Kurfürstendamm", date(2012, 3, 1), None, 2400, 1),
    StoreSpec("München", "Kaufingerstraße", date(2022, 9, 1), None, 2100, 1),
    StoreSpec("Hamburg", "Mönckebergstraße", date(2014, 4, 1), None, 1900, 2),
    StoreSpec("Köln", "Schildergasse", date(2015, 9, 1), None, 1700, 2),
    StoreSpec("Frankfurt am Main", "Zeil", date(2016, 3, 1), date(2023, 6, 30), 1500, 3),
    StoreSpec("Stuttgart", "Königstraße", date(2018, 5, 1), None, 1300, 3),
    StoreSpec("Düsseldorf", "Königsallee", date(2023, 4, 1), None, 1600, 3),
    StoreSpec("Leipzig", "Petersstraße", date(2019, 10, 1), None, 1100, 3),
    StoreSpec("Paris", "Rue de Rivoli", date(2010, 2, 1), None, 2800, 1),
    StoreSpec("Lille", "Rue Neuve", date(2020, 3, 1), date(2022, 12, 31), 900, 1),
    StoreSpec("Paris", "La Défense", date(2017, 9, 1), None, 1800, 2),
    StoreSpec("Lyon", "Part-Dieu", date(2016, 4, 1), None, 1500, 2),
    StoreSpec("Marseille", "Vieux-Port", date(2018, 3, 1), None, 1200, 3),
    StoreSpec("Bordeaux", "Sainte-Catherine", date(2019, 4, 1), None, 1100, 3),
    StoreSpec("Milano", "Corso Vittorio Emanuele", date(2011, 3, 1), None, 2500, 1),
    StoreSpec("Roma", "Via del Corso", date(2013, 5, 1), None, 2000, 2),
    StoreSpec("Torino", "Via Roma", date(2017, 3, 1), None, 1200, 3),
    StoreSpec("Firenze", "Via de' Calzaiuoli", date(2019, 5, 1), None, 1000, 3),
    StoreSpec("Napoli", "Via Toledo", date(2021, 10, 1), None, 1300, 3),
    StoreSpec("Madrid", "Gran Vía", date(2012, 9, 1), None, 2600, 1),
    StoreSpec("Barcelona", "Passeig de Gràcia", date(2014, 3, 1), None, 2200, 2),
    StoreSpec("Valencia", "Calle Colón", date(2018, 4, 1), None, 1200, 3),
    StoreSpec("Sevilla", "Calle Sierpes", date(2020, 2, 1), None, 1000, 3),
    StoreSpec("Bilbao", "Gran Vía de Don Diego López de Haro", date(2024, 3, 1), None, 1100, 3),
    StoreSpec("Amsterdam", "Kalverstraat", date(2013, 4, 1), None, 1600, 1, restructured=True),
    StoreSpec("Rotterdam", "Lijnbaan", date(2016, 9, 1), None, 1300, 2),
    StoreSpec("Utrecht", "Oudegracht", date(2019, 3, 1), None, 900, 3),
    StoreSpec("Den Haag", "Spuistraat", date(2022, 5, 1), None, 1000, 3),
    StoreSpec("London", "Oxford Street", date(2009, 9, 1), None, 3200, 1),
    StoreSpec("London", "Covent Garden", date(2015, 6, 1), None, 1400, 2, restructured=True),
    StoreSpec("Manchester", "Market Street", date(2016, 3, 1), date(2024, 1, 31), 1500, 2),
    StoreSpec("Birmingham", "Bullring", date(2017, 10, 1), None, 1400, 3),
    StoreSpec("Edinburgh", "Princes Street", date(2018, 4, 1), None, 1100, 3),
    StoreSpec("Glasgow", "Buchanan Street", date(2019, 9, 1), None, 1200, 3),
    StoreSpec("Leeds", "Briggate", date(2020, 2, 1), None, 1000, 3),
)
ONLINE_STORE_OPEN = date(2010, 1, 1)


def _words(text: str) -> tuple[str, ...]:
    """A vocabulary written as one comma-separated string (keeps the lists compact)."""
    return tuple(w.strip() for w in text.split(","))


GIVEN_NAMES_MALE: dict[str, tuple[str, ...]] = {
    "DE": _words(
        "Lukas, Leon, Maximilian, Felix, Jonas, Paul, Elias, Noah, Tim, Jan, Stefan, Thomas, "
        "Michael, Andreas, Markus, Florian, Tobias, Sebastian, Christian, Daniel"
    ),
    "FR": _words(
        "Lucas, Hugo, Louis, Gabriel, Arthur, Jules, Thomas, Nicolas, Julien, Pierre, Antoine, "
        "Maxime, Alexandre, Mathieu, Olivier, Philippe, Laurent, Théo, Raphaël, Paul"
    ),
    "IT": _words(
        "Alessandro, Lorenzo, Matteo, Leonardo, Francesco, Andrea, Marco, Giuseppe, Luca, "
        "Giovanni, Davide, Riccardo, Stefano, Paolo, Federico, Simone, Antonio, Roberto, "
        "Gabriele, Tommaso"
    ),
    "ES": _words(
        "Hugo, Martín, Lucas, Mateo, Daniel, Pablo, Alejandro, Javier, David, Sergio, Carlos, "
        "Manuel, José, Antonio, Francisco, Álvaro, Diego, Adrián, Jorge, Miguel"
    ),
    "NL": _words(
        "Daan, Sem, Lucas, Levi, Finn, Milan, Jesse, Bram, Thijs, Ruben, Jeroen, Pieter, Joost, "
        "Bas, Maarten, Sander, Niels, Wouter, Tim, Lars"
    ),
    "GB": _words(
        "Oliver, George, Harry, Jack, Jacob, Charlie, Thomas, James, William, Oscar, Daniel, "
        "Matthew, David, Richard, Paul, Mark, Andrew, Christopher, Samuel, Joshua"
    ),
    "CH": _words(
        "Luca, Noah, Leon, David, Nico, Simon, Marco, Daniel, Lukas, Reto, Beat, Urs, Thomas, "
        "Martin, Stefan, Julien, Mathieu, Fabio, Matteo, Samuel"
    ),
    "SE": _words(
        "William, Liam, Noah, Hugo, Lucas, Oscar, Elias, Erik, Lars, Karl, Anders, Johan, Per, "
        "Nils, Mikael, Magnus, Henrik, Fredrik, Gustav, Axel"
    ),
    "US": _words(
        "James, John, Robert, Michael, William, David, Richard, Joseph, Thomas, Christopher, "
        "Daniel, Matthew, Anthony, Mark, Andrew, Joshua, Ryan, Brian, Kevin, Jason"
    ),
}
GIVEN_NAMES_FEMALE: dict[str, tuple[str, ...]] = {
    "DE": _words(
        "Anna, Lena, Laura, Julia, Sarah, Lea, Hannah, Sophie, Katharina, Lisa, Sabine, Petra, "
        "Claudia, Stefanie, Nicole, Anja, Marie, Emma, Mia, Johanna"
    ),
    "FR": _words(
        "Emma, Léa, Chloé, Manon, Camille, Inès, Sarah, Julie, Marie, Claire, Sophie, Isabelle, "
        "Nathalie, Céline, Amélie, Élodie, Margaux, Juliette, Louise, Alice"
    ),
    "IT": _words(
        "Giulia, Sofia, Aurora, Alice, Martina, Chiara, Francesca, Sara, Valentina, Elena, "
        "Alessia, Federica, Giorgia, Laura, Silvia, Paola, Anna, Beatrice, Elisa, Roberta"
    ),
    "ES": _words(
        "Lucía, Sofía, María, Martina, Paula, Julia, Carmen, Laura, Marta, Ana, Elena, Sara, "
        "Cristina, Isabel, Alba, Nuria, Raquel, Irene, Claudia, Noelia"
    ),
    "NL": _words(
        "Emma, Julia, Sophie, Tess, Anna, Fleur, Sanne, Lotte, Eva, Lisa, Femke, Anouk, Iris, "
        "Noor, Marieke, Inge, Linda, Esther, Maud, Roos"
    ),
    "GB": _words(
        "Olivia, Amelia, Isla, Ava, Emily, Sophie, Grace, Lily, Charlotte, Jessica, Sarah, Emma, "
        "Hannah, Rebecca, Lucy, Katie, Laura, Helen, Rachel, Eleanor"
    ),
    "CH": _words(
        "Mia, Emma, Lena, Laura, Sara, Anna, Nina, Céline, Chiara, Martina, Sandra, Nicole, "
        "Andrea, Monika, Ursula, Elena, Léa, Julia, Lea, Selina"
    ),
    "SE": _words(
        "Alice, Maja, Elsa, Astrid, Wilma, Ebba, Saga, Anna, Eva, Karin, Kristina, Lena, Maria, "
        "Sara, Emma, Ingrid, Linnea, Johanna, Sofia, Elin"
    ),
    "US": _words(
        "Mary, Patricia, Jennifer, Linda, Elizabeth, Barbara, Susan, Jessica, Sarah, Karen, "
        "Emily, Ashley, Megan, Amanda, Stephanie, Nicole, Rachel, Lauren, Hannah, Olivia"
    ),
}
SURNAMES: dict[str, tuple[str, ...]] = {
    "DE": _words(
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, "
        "Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, "
        "Braun, Krüger, Hofmann, Hartmann, Lange"
    ),
    "FR": _words(
        "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, "
        "Laurent, Lefebvre, Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, Morel, "
        "Girard, André, Mercier, Dupont"
    ),
    "IT": _words(
        "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, "
        "Gallo, Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, Barbieri, "
        "Fontana, Santoro, Mariani, Rinaldi"
    ),
    "ES": _words(
        "García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, Martín, "
        "Jiménez, Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, Gutiérrez, "
        "Navarro, Torres, Domínguez, Vázquez, Ramos"
    ),
    "NL": _words(
        "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, "
        "Meijer, de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, "
        "Brouwer, de Wit, Dijkstra, Smits, de Graaf, van der Meer"
    ),
    "GB": _words(
        "Smith, Jones, Williams, Taylor, Brown, Davies, Evans, Wilson, Thomas, Johnson, Roberts, "
        "Robinson, Thompson, Wright, Walker, White, Edwards, Hughes, Green, Hall, Wood, Harris, "
        "Lewis, Martin, Jackson"
    ),
    "CH": _words(
        "Müller, Meier, Schmid, Keller, Weber, Huber, Schneider, Meyer, Steiner, Fischer, Gerber,"
        " Brunner, Baumann, Frei, Zimmermann, Moser, Widmer, Wyss, Graf, Roth, Favre, Rochat, "
        "Bianchi, Rossi, Baumgartner"
    ),
    "SE": _words(
        "Andersson, Johansson, Karlsson, Nilsson, Eriksson, Larsson, Olsson, Persson, Svensson, "
        "Gustafsson, Pettersson, Jonsson, Jansson, Hansson, Bengtsson, Jönsson, Lindberg, "
        "Jakobsson, Magnusson, Lindström, Olofsson, Lindqvist, Lindgren, Axelsson, Berg"
    ),
    "US": _words(
        "Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez, "
        "Hernandez, Lopez, Wilson, Anderson, Taylor, Thomas, Moore, Jackson, Martin, Lee, "
        "Thompson, White, Harris, Clark, Lewis"
    ),
}
STREETS: dict[str, tuple[str, ...]] = {
    "DE": _words(
        "Hauptstraße, Bahnhofstraße, Gartenstraße, Schulstraße, Bergstraße, Lindenstraße, "
        "Kirchstraße, Goethestraße, Schillerstraße, Mozartstraße, Am Markt, Rosenweg, "
        "Friedrichstraße, Waldweg"
    ),
    "FR": _words(
        "Rue de la Paix, Rue Victor Hugo, Avenue Jean Jaurès, Rue de la République, Boulevard "
        "Voltaire, Rue Pasteur, Rue du Moulin, Place de la Mairie, Rue des Écoles, Avenue de la "
        "Gare, Rue Nationale, Rue Gambetta"
    ),
    "IT": _words(
        "Via Roma, Via Garibaldi, Via Mazzini, Via Dante Alighieri, Corso Italia, Via Verdi, Via "
        "Cavour, Via Marconi, Piazza della Repubblica, Via Matteotti, Viale Europa, Via San "
        "Martino"
    ),
    "ES": _words(
        "Calle Mayor, Calle Real, Avenida de la Constitución, Calle del Sol, Plaza de España, "
        "Calle Nueva, Calle San Juan, Avenida Andalucía, Calle de la Iglesia, Paseo del Prado, "
        "Calle Alcalá, Calle Sevilla"
    ),
    "NL": _words(
        "Kerkstraat, Dorpsstraat, Schoolstraat, Molenstraat, Stationsweg, Julianastraat, "
        "Beatrixstraat, Nieuwstraat, Markt, Wilhelminastraat, Prinsengracht, Lindelaan"
    ),
    "GB": _words(
        "High Street, Station Road, Church Lane, Victoria Road, Green Lane, Manor Road, Park "
        "Road, Queens Road, Kings Road, The Crescent, Mill Lane, York Road"
    ),
    "CH": _words(
        "Bahnhofstrasse, Hauptstrasse, Dorfstrasse, Kirchgasse, Seestrasse, Rue du Lac, Rue du "
        "Marché, Via Cantonale, Schulstrasse, Gartenstrasse, Rosenweg, Route de Genève"
    ),
    "SE": _words(
        "Storgatan, Drottninggatan, Kungsgatan, Skolgatan, Kyrkogatan, Järnvägsgatan, Nygatan, "
        "Parkvägen, Sveavägen, Björkvägen, Strandvägen, Torggatan"
    ),
    "US": _words(
        "Main Street, Oak Avenue, Maple Street, Park Avenue, Washington Street, Lake Street, Pine"
        " Street, Cedar Lane, Elm Street, Sunset Boulevard, Broadway, Hill Street"
    ),
}
OCCUPATIONS = _words(
    "Sales Associate, Teacher, Software Developer, Nurse, Accountant, Engineer, Marketing "
    "Manager, Graphic Designer, Student, Physician, Lawyer, Architect, Chef, Retail Manager, "
    "Project Manager, Pharmacist, Consultant, Civil Servant, Electrician, Journalist, "
    "Photographer, Data Analyst, Retired, Self-Employed, Administrative Assistant"
)
COMPANIES = _words(
    "Contoso Ltd., Fabrikam Inc., Northwind Traders, Adventure Works, Litware Inc., Tailspin "
    "Toys, Wide World Importers, Proseware Inc., Woodgrove Bank, Coho Winery, Alpine Ski House, "
    "Lucerne Publishing, Margie's Travel, Trey Research, Blue Yonder Airlines, Fourth Coffee, "
    "Humongous Insurance, Wingtip Toys, City Power & Light, Consolidated Messenger, Southridge "
    "Video, VanArsdel Ltd., Relecloud, Bellows College"
)
VEHICLES = _words(
    "Volkswagen Golf, Volkswagen Polo, BMW 3 Series, Mercedes-Benz A-Class, Audi A4, Opel Corsa, "
    "Peugeot 208, Renault Clio, Citroën C3, Fiat 500, Fiat Panda, Seat Ibiza, Škoda Octavia, "
    "Toyota Yaris, Ford Focus, Volvo XC60, Tesla Model 3, Mini Cooper, Kia Ceed, Hyundai i30, "
    "Dacia Sandero, Nissan Qashqai"
)
_LETTERS = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ"))

# ----------------------------------------------------------------------------- products

#: Monthly demand multipliers (January first) of a subcategory's season.
SEASON_PROFILES: dict[str, tuple[float, ...]] = {
    "all": (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
    "summer": (0.5, 0.5, 0.8, 1.1, 1.4, 1.6, 1.5, 1.1, 0.7, 0.5, 0.5, 0.6),
    "winter": (1.3, 0.9, 0.6, 0.4, 0.3, 0.3, 0.3, 0.5, 0.9, 1.4, 1.7, 1.6),
    "gift": (0.7, 0.7, 0.8, 0.8, 0.9, 0.8, 0.8, 0.8, 0.9, 1.0, 1.4, 2.6),
    "school": (0.8, 0.8, 0.9, 0.9, 0.9, 0.9, 1.1, 1.8, 1.7, 0.9, 0.9, 0.9),
    "resolutions": (1.8, 1.2, 1.0, 1.0, 1.0, 0.9, 0.8, 0.8, 1.0, 1.0, 0.9, 0.8),
    "swim": (0.2, 0.2, 0.4, 0.9, 1.8, 2.4, 2.2, 1.2, 0.4, 0.2, 0.2, 0.3),
    "transition": (0.8, 0.9, 1.4, 1.5, 1.0, 0.6, 0.5, 0.8, 1.4, 1.5, 1.0, 0.8),
}


@dataclass(frozen=True)
class CategorySpec:
    key: int
    name: str
    share_female: float
    """Share of a female customer's lines in this category."""
    share_male: float
    price_inflation: float
    """Yearly list-price increase."""


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec(1, "Women's Apparel", 0.30, 0.04, 0.045),
    CategorySpec(2, "Men's Apparel", 0.04, 0.30, 0.040),
    CategorySpec(3, "Footwear", 0.14, 0.16, 0.050),
    CategorySpec(4, "Accessories", 0.11, 0.08, 0.030),
    CategorySpec(5, "Kids", 0.09, 0.08, 0.035),
    CategorySpec(6, "Sportswear", 0.09, 0.14, 0.040),
    CategorySpec(7, "Outerwear", 0.10, 0.13, 0.055),
    CategorySpec(8, "Bags", 0.13, 0.07, 0.035),
)


@dataclass(frozen=True)
class SubCategorySpec:
    key: int
    name: str
    season: str
    price_usd: tuple[float, float]
    weight_grams: int
    items: tuple[str, ...]
    materials: tuple[str, ...]
    share: float = 1.0
    """Demand share within the category (relative)."""

    @property
    def category_key(self) -> int:
        return self.key // 100


SUBCATEGORIES: tuple[SubCategorySpec, ...] = (
    SubCategorySpec(101, "Dresses", "summer", (39, 189), 350,
                    ("Midi Dress", "Wrap Dress", "Maxi Dress", "Shirt Dress", "Slip Dress"),
                    ("Linen", "Cotton", "Viscose", "Silk", "Jersey", "Crepe"), 1.3),
    SubCategorySpec(102, "Tops & Blouses", "all", (19, 99), 180,
                    ("Blouse", "Tank Top", "T-Shirt", "Tunic", "Bodysuit"),
                    ("Cotton", "Silk", "Linen", "Modal", "Organic Cotton"), 1.5),
    SubCategorySpec(103, "Skirts", "all", (29, 129), 300,
                    ("Pleated Skirt", "Mini Skirt", "Midi Skirt", "Pencil Skirt"),
                    ("Cotton", "Denim", "Satin", "Wool", "Leather"), 0.7),
    SubCategorySpec(104, "Women's Trousers & Jeans", "all", (39, 149), 500,
                    ("Straight Jeans", "Wide-Leg Trousers", "Skinny Jeans", "Culottes"),
                    ("Denim", "Cotton", "Linen", "Wool-Blend", "Stretch"), 1.2),
    SubCategorySpec(105, "Women's Knitwear", "winter", (49, 229), 450,
                    ("Cardigan", "Crew Neck Jumper", "Turtleneck", "Knitted Vest"),
                    ("Merino", "Cashmere", "Wool", "Cotton", "Alpaca-Blend")),
    SubCategorySpec(201, "Shirts", "all", (35, 119), 280,
                    ("Oxford Shirt", "Poplin Shirt", "Flannel Shirt", "Overshirt"),
                    ("Cotton", "Linen", "Flannel", "Organic Cotton")),
    SubCategorySpec(202, "T-Shirts & Polos", "summer", (15, 79), 200,
                    ("Crew Neck T-Shirt", "Polo Shirt", "Henley", "V-Neck T-Shirt"),
                    ("Cotton", "Piqué", "Organic Cotton", "Jersey"), 1.4),
    SubCategorySpec(203, "Men's Trousers & Chinos", "all", (39, 139), 550,
                    ("Slim Chinos", "Regular Jeans", "Cargo Trousers", "Shorts"),
                    ("Cotton", "Denim", "Twill", "Wool-Blend", "Linen"), 1.2),
    SubCategorySpec(204, "Suits & Blazers", "all", (149, 599), 1200,
                    ("Two-Piece Suit", "Blazer", "Waistcoat", "Dinner Jacket"),
                    ("Wool", "Linen", "Wool-Blend", "Velvet"), 0.5),
    SubCategorySpec(205, "Men's Knitwear", "winter", (49, 219), 500,
                    ("Crew Neck Jumper", "Quarter-Zip Sweater", "Cardigan", "Roll Neck"),
                    ("Merino", "Lambswool", "Cashmere", "Cotton"), 0.8),
    SubCategorySpec(301, "Sneakers", "all", (59, 179), 900,
                    ("Low-Top Sneakers", "High-Top Sneakers", "Slip-On Sneakers", "Runners"),
                    ("Leather", "Canvas", "Suede", "Recycled Knit"), 1.5),
    SubCategorySpec(302, "Boots", "winter", (99, 299), 1400,
                    ("Chelsea Boots", "Ankle Boots", "Lace-Up Boots", "Knee-High Boots"),
                    ("Leather", "Suede", "Waterproof Leather")),
    SubCategorySpec(303, "Sandals", "summer", (25, 129), 450,
                    ("Slide Sandals", "Strappy Sandals", "Espadrilles", "Flip-Flops"),
                    ("Leather", "Cork", "Rubber", "Canvas"), 0.8),
    SubCategorySpec(304, "Formal Shoes", "all", (79, 249), 900,
                    ("Derby Shoes", "Oxford Shoes", "Loafers", "Pumps", "Ballet Flats"),
                    ("Leather", "Patent Leather", "Suede"), 0.7),
    SubCategorySpec(401, "Belts", "gift", (25, 99), 200,
                    ("Belt", "Reversible Belt", "Braided Belt"),
                    ("Leather", "Suede", "Canvas"), 0.7),
    SubCategorySpec(402, "Scarves & Gloves", "winter", (19, 129), 150,
                    ("Scarf", "Gloves", "Beanie", "Snood"),
                    ("Wool", "Cashmere", "Merino", "Silk"), 1.2),
    SubCategorySpec(403, "Sunglasses", "summer", (49, 199), 60,
                    ("Aviator Sunglasses", "Round Sunglasses", "Cat-Eye Sunglasses"),
                    ("Acetate", "Metal", "Recycled Acetate"), 0.8),
    SubCategorySpec(404, "Jewellery", "gift", (29, 249), 40,
                    ("Necklace", "Earrings", "Bracelet", "Ring", "Watch"),
                    ("Sterling Silver", "Gold-Plated", "Stainless Steel", "Pearl")),
    SubCategorySpec(405, "Hats & Caps", "summer", (19, 89), 120,
                    ("Baseball Cap", "Bucket Hat", "Fedora", "Sun Hat"),
                    ("Cotton", "Straw", "Wool Felt", "Canvas"), 0.6),
    SubCategorySpec(501, "Baby", "all", (12, 49), 150,
                    ("Bodysuit Set", "Sleepsuit", "Baby Cardigan", "Romper"),
                    ("Organic Cotton", "Cotton", "Merino")),
    SubCategorySpec(502, "Girls", "all", (12, 59), 250,
                    ("Dress", "Leggings", "Hoodie", "T-Shirt", "Skirt"),
                    ("Cotton", "Jersey", "Denim", "Fleece")),
    SubCategorySpec(503, "Boys", "all", (12, 59), 280,
                    ("Hoodie", "Jeans", "T-Shirt", "Shorts", "Sweatshirt"),
                    ("Cotton", "Denim", "Jersey", "Fleece")),
    SubCategorySpec(504, "Kids Shoes", "school", (25, 79), 500,
                    ("Sneakers", "Rain Boots", "Sandals", "School Shoes"),
                    ("Leather", "Canvas", "Rubber", "Mesh"), 0.8),
    SubCategorySpec(601, "Running", "summer", (29, 169), 300,
                    ("Running Tights", "Running Shorts", "Running Jacket", "Running Shoes"),
                    ("Recycled Polyester", "Mesh", "Nylon", "Merino"), 1.2),
    SubCategorySpec(602, "Yoga & Training", "resolutions", (25, 99), 250,
                    ("Sports Bra", "Yoga Leggings", "Training Top", "Joggers"),
                    ("Stretch Jersey", "Recycled Polyester", "Organic Cotton"), 1.2),
    SubCategorySpec(603, "Swimwear", "swim", (25, 99), 150,
                    ("Swimsuit", "Bikini", "Swim Shorts", "Rash Guard"),
                    ("Recycled Nylon", "Lycra", "Polyester"), 0.8),
    SubCategorySpec(604, "Outdoor & Hiking", "all", (49, 249), 700,
                    ("Hiking Boots", "Softshell Jacket", "Trekking Trousers", "Fleece Pullover"),
                    ("Gore-Tex", "Softshell", "Fleece", "Ripstop Nylon"), 0.8),
    SubCategorySpec(701, "Coats", "winter", (129, 499), 1600,
                    ("Coat", "Trench Coat", "Pea Coat", "Overcoat"),
                    ("Wool", "Wool-Blend", "Cotton Gabardine", "Cashmere-Blend")),
    SubCategorySpec(702, "Jackets", "transition", (69, 349), 1000,
                    ("Denim Jacket", "Bomber Jacket", "Biker Jacket", "Field Jacket"),
                    ("Denim", "Leather", "Nylon", "Suede", "Cotton Twill"), 1.2),
    SubCategorySpec(703, "Parkas & Puffers", "winter", (99, 399), 1100,
                    ("Puffer Jacket", "Parka", "Down Vest", "Quilted Jacket"),
                    ("Down", "Recycled Down", "Nylon", "Padded Polyester"), 1.1),
    SubCategorySpec(704, "Raincoats", "transition", (59, 199), 700,
                    ("Raincoat", "Rain Poncho", "Waterproof Shell"),
                    ("Waterproof Nylon", "Rubberised Cotton", "Recycled Polyester"), 0.6),
    SubCategorySpec(801, "Handbags", "gift", (59, 349), 700,
                    ("Tote Bag", "Shoulder Bag", "Crossbody Bag", "Clutch"),
                    ("Leather", "Suede", "Canvas", "Vegan Leather"), 1.4),
    SubCategorySpec(802, "Backpacks", "school", (49, 179), 800,
                    ("Backpack", "Rolltop Backpack", "Mini Backpack"),
                    ("Nylon", "Canvas", "Leather", "Recycled Polyester")),
    SubCategorySpec(803, "Wallets", "gift", (25, 119), 100,
                    ("Wallet", "Card Holder", "Coin Purse"),
                    ("Leather", "Vegan Leather", "Canvas")),
    SubCategorySpec(804, "Travel Bags", "summer", (79, 349), 2200,
                    ("Weekender Bag", "Duffel Bag", "Cabin Trolley"),
                    ("Leather", "Nylon", "Canvas", "Polycarbonate"), 0.6),
)  # fmt: skip


@dataclass(frozen=True)
class BrandSpec:
    name: str
    manufacturer: str
    price_tier: float
    """Multiplier on the subcategory's price range."""
    category_keys: tuple[int, ...]


BRANDS: tuple[BrandSpec, ...] = (
    BrandSpec("Contoso Basics", "Contoso Ltd.", 0.7, (1, 2, 3, 4, 5, 6, 7, 8)),
    BrandSpec("Maison Lumière", "Fabrikam Group", 1.5, (1, 3, 4, 8)),
    BrandSpec("Nordvik", "Northwind Textiles", 1.1, (1, 2, 5, 7)),
    BrandSpec("Via Bella", "Fabrikam Group", 1.35, (1, 2, 3, 8)),
    BrandSpec("Urban Thread", "Contoso Ltd.", 0.9, (1, 2, 3, 4, 5)),
    BrandSpec("Harbour & Co.", "Litware Apparel", 1.2, (2, 3, 4, 7)),
    BrandSpec("Alpenwerk", "Adventure Works", 1.25, (3, 6, 7)),
    BrandSpec("Costa Azul", "Tailspin Fashion", 0.95, (1, 2, 4, 6, 8)),
    BrandSpec("Velocity", "Adventure Works", 1.05, (3, 6)),
    BrandSpec("Little Sprouts", "Northwind Textiles", 0.9, (5,)),
    BrandSpec("Atelier Noir", "Litware Apparel", 1.6, (1, 2, 4, 8)),
    BrandSpec("Greenfield Organics", "Wide World Importers", 1.0, (1, 2, 5)),
)
COLORS: dict[str, float] = {
    "Black": 5, "White": 3, "Navy": 3, "Grey": 2.5, "Beige": 2, "Camel": 1.2, "Olive": 1,
    "Burgundy": 1, "Red": 1, "Blue": 2, "Green": 1, "Pink": 1, "Brown": 1.5, "Ecru": 1,
    "Khaki": 1, "Mustard": 0.5, "Lilac": 0.5,
}  # fmt: skip

# ------------------------------------------------------------------------ demand shape

#: Orders per day by calendar month (January first): winter sales, quiet February,
#: summer sales in July, Christmas peak.
MONTH_DEMAND = (0.92, 0.68, 0.85, 0.90, 0.95, 0.95, 1.05, 0.82, 0.90, 1.00, 1.25, 1.55)
#: Orders per day by weekday (Monday first).
WEEKDAY_DEMAND = (0.85, 0.85, 0.90, 0.95, 1.10, 1.45, 0.75)
YEARLY_GROWTH = 0.07
#: Black Friday to Cyber Monday multipliers (Friday, Saturday, Sunday, Monday).
BLACK_FRIDAY_WEEKEND = (2.6, 1.6, 1.3, 1.6)
ONLINE_SHARE_FIRST, ONLINE_SHARE_LAST = 0.22, 0.32
#: Order lines per order: 1, 2, ... with these weights.
LINES_PER_ORDER = (0.45, 0.28, 0.15, 0.07, 0.03, 0.02)
QUANTITY_WEIGHTS = (0.86, 0.11, 0.03)
CHURN_SHARE = 0.35
EXISTING_CUSTOMER_SHARE = 0.55
#: Share of replenishment orders that arrive late, and by how many days.
LATE_REPLENISHMENT_SHARE = 0.12
LATE_REPLENISHMENT_DAYS = (4, 12)
FEMALE_SHARE = 0.56

#: EUR reference rates, monthly averages 2021-01 .. 2024-12 (ECB-like), interpolated daily.
EUR_RATE_ANCHOR_YEAR = 2021
EUR_MONTHLY_RATES: dict[str, tuple[float, ...]] = {
    "USD": (1.217, 1.210, 1.190, 1.195, 1.215, 1.205, 1.182, 1.177, 1.177, 1.160, 1.141, 1.130,
            1.131, 1.134, 1.101, 1.082, 1.057, 1.057, 1.018, 1.013, 0.990, 0.983, 1.020, 1.059,
            1.078, 1.071, 1.071, 1.097, 1.087, 1.084, 1.106, 1.091, 1.068, 1.056, 1.081, 1.090,
            1.091, 1.079, 1.087, 1.072, 1.081, 1.076, 1.084, 1.101, 1.111, 1.090, 1.063, 1.048),
    "GBP": (0.890, 0.870, 0.860, 0.865, 0.862, 0.858, 0.856, 0.852, 0.857, 0.844, 0.849, 0.847,
            0.836, 0.838, 0.835, 0.837, 0.849, 0.858, 0.849, 0.845, 0.875, 0.873, 0.869, 0.870,
            0.884, 0.886, 0.881, 0.881, 0.870, 0.858, 0.859, 0.858, 0.862, 0.868, 0.870, 0.860,
            0.856, 0.855, 0.855, 0.857, 0.855, 0.847, 0.845, 0.852, 0.838, 0.835, 0.834, 0.827),
    "CHF": (1.080, 1.080, 1.100, 1.100, 1.098, 1.098, 1.083, 1.076, 1.082, 1.068, 1.051, 1.040,
            1.040, 1.044, 1.020, 1.020, 1.030, 1.022, 0.980, 0.970, 0.960, 0.980, 0.983, 0.990,
            0.992, 0.990, 0.991, 0.987, 0.976, 0.978, 0.966, 0.962, 0.963, 0.953, 0.961, 0.943,
            0.936, 0.946, 0.970, 0.978, 0.984, 0.963, 0.963, 0.942, 0.942, 0.938, 0.932, 0.937),
    "SEK": (10.09, 10.08, 10.15, 10.15, 10.15, 10.11, 10.19, 10.18, 10.16, 10.05, 10.00, 10.25,
            10.33, 10.49, 10.48, 10.32, 10.48, 10.61, 10.48, 10.45, 10.83, 10.95, 10.94, 11.10,
            11.22, 11.18, 11.28, 11.28, 11.41, 11.66, 11.64, 11.83, 11.83, 11.62, 11.53, 11.20,
            11.31, 11.28, 11.36, 11.55, 11.62, 11.23, 11.41, 11.44, 11.32, 11.47, 11.58, 11.50),
}  # fmt: skip
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")  # fmt: skip
#: .NET DayOfWeek order (Sunday first), as V2's DayofWeekNumber.
DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


# ============================================================================ calendar


def _epoch_day(d: date) -> int:
    return (d - _EPOCH).days


def _easter_sunday(year: int) -> date:
    """Gregorian Easter (anonymous algorithm): Good Friday and Easter Monday are holidays."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    r = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * r) // 451
    month = (h + r - 7 * m + 114) // 31
    day = (h + r - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _holidays(year: int) -> tuple[date, ...]:
    """Pan-European public holidays, which are also the TARGET (ECB) closing days."""
    easter = _easter_sunday(year)
    return (date(year, 1, 1), easter - timedelta(days=2), easter + timedelta(days=1),
            date(year, 5, 1), date(year, 12, 25), date(year, 12, 26))  # fmt: skip


def _black_friday(year: int) -> date:
    """Day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    first_thursday = 1 + (3 - first.weekday()) % 7
    return date(year, 11, first_thursday + 22)


@dataclass(frozen=True)
class Calendar:
    """Day attributes of a contiguous date range, indexed by day offset from ``first``."""

    first: date
    epoch_day: IntArray
    year: IntArray
    month: IntArray
    day: IntArray
    weekday: IntArray
    """Monday = 0."""
    holiday: BoolArray
    """Pan-European public holidays, which are also the ECB's non-fixing days."""

    @classmethod
    def span(cls, first: date, last: date) -> Calendar:
        return cls.from_epoch_days(
            np.arange(_epoch_day(first), _epoch_day(last) + 1, dtype=np.int64)
        )

    @classmethod
    def from_epoch_days(cls, epoch: IntArray) -> Calendar:
        """Calendar of any days (``first`` = the first of them)."""
        as_days = epoch.astype("datetime64[D]")
        months = as_days.astype("datetime64[M]")
        year = months.astype(np.int64) // 12 + 1970
        month = months.astype(np.int64) % 12 + 1
        day = (as_days - months.astype("datetime64[D]")).astype(np.int64) + 1
        weekday = weekday_of(epoch)
        years = range(int(year.min()), int(year.max()) + 1)
        holiday = np.isin(epoch, [_epoch_day(d) for y in years for d in _holidays(y)])
        first = _EPOCH + timedelta(days=int(epoch[0]))
        return cls(first, epoch, year, month, day, weekday, holiday)

    @property
    def size(self) -> int:
        return len(self.epoch_day)

    @property
    def working(self) -> BoolArray:
        return (self.weekday < 5) & ~self.holiday

    def offset(self, d: date) -> int:
        return (d - self.first).days

    def month_index(self) -> IntArray:
        """Months since the first month of the range."""
        return (self.year - self.first.year) * 12 + self.month - self.first.month

    def black_friday_weekend(self) -> FloatArray:
        """Multiplier 1 except from Black Friday to Cyber Monday."""
        factor = np.ones(self.size)
        for y in range(int(self.year[0]), int(self.year[-1]) + 1):
            start = self.offset(_black_friday(y))
            for k, f in enumerate(BLACK_FRIDAY_WEEKEND):
                if 0 <= start + k < self.size:
                    factor[start + k] = f
        return factor


def _order_day_weights(cal: Calendar) -> FloatArray:
    """Relative number of orders per day: month, weekday, growth, Black Friday, Christmas."""
    years = (cal.epoch_day - cal.epoch_day[0]) / 365.25
    weights = (
        np.asarray(MONTH_DEMAND)[cal.month - 1]
        * np.asarray(WEEKDAY_DEMAND)[cal.weekday]
        * (1 + YEARLY_GROWTH) ** years
        * cal.black_friday_weekend()
    )
    december = cal.month == 12
    weights[december & (cal.day >= 10) & (cal.day <= 23)] *= 1.25
    weights[december & (cal.day == 24)] *= 0.6
    weights[december & (cal.day == 25)] *= 0.25
    weights[december & (cal.day == 26)] *= 0.6
    return np.asarray(weights, dtype=np.float64)


# ============================================================================ sampling


def _grouped_choice(
    rng: np.random.Generator, item_group: IntArray, item_weight: FloatArray, draw_group: IntArray
) -> IntArray:
    """For each draw, an item of the draw's group, picked with probability ~ item weight.

    Items are sorted by group and their within-group cumulative weights are normalised to
    (g, g + 1], so one ``searchsorted`` serves every group at once.
    """
    order = np.argsort(item_group, kind="stable")
    groups = item_group[order]
    weights = item_weight[order].astype(np.float64)
    n_groups = int(max(groups.max(), draw_group.max())) + 1
    totals = np.bincount(groups, weights=weights, minlength=n_groups)
    if np.any(totals[np.unique(draw_group)] <= 0):
        raise ValueError("a drawn group has no item with positive weight")
    cumulative = np.cumsum(weights)
    group_start = np.searchsorted(groups, np.arange(n_groups))
    before = np.concatenate(([0.0], cumulative))[group_start]
    safe_totals = np.where(totals > 0, totals, 1.0)
    keys = groups + (cumulative - before[groups]) / safe_totals[groups]
    last_of_group = np.r_[groups[1:] != groups[:-1], True]
    keys[last_of_group] = groups[last_of_group] + 1.0
    targets = draw_group + rng.random(len(draw_group))
    picked = np.searchsorted(keys, targets, side="right")
    return order[np.minimum(picked, len(order) - 1)].astype(np.int64)


def _fill_pattern(rng: np.random.Generator, pattern: str, prefixes: StrArray) -> StrArray:
    """Postcodes from a country pattern (see ``CountrySpec.zip_pattern``)."""
    n = len(prefixes)
    out = np.full(n, "", dtype=object)
    for char in pattern:
        if char == "P":
            part: npt.NDArray[np.object_] = prefixes.astype(object)
        elif char == "#":
            part = rng.integers(0, 10, n).astype(str).astype(object)
        elif char == "L":
            part = _LETTERS[rng.integers(0, len(_LETTERS), n)].astype(object)
        elif char == "%":
            part = rng.integers(1, 21, n).astype(str).astype(object)
        else:
            part = np.full(n, char, dtype=object)
        out = out + part
    return out.astype(str)


# ============================================================================== stores


@dataclass(frozen=True)
class Stores:
    """Stores trading at this scale; the online store is the last row."""

    key: IntArray
    code: IntArray
    spec_index: IntArray
    """Index into STORES; -1 for the online store."""
    city: IntArray
    """Index into CITIES; -1 for the online store."""
    country: IntArray
    """Index into COUNTRIES; -1 for the online store."""
    open_day: IntArray
    close_day: IntArray
    """Epoch days; close_day is huge for stores that stay open."""

    @property
    def size(self) -> int:
        return len(self.key)

    @property
    def online(self) -> int:
        return self.size - 1


_CITY_INDEX = {c.name: i for i, c in enumerate(CITIES)}
_NEVER = 10**9


def _build_stores(tier: int) -> Stores:
    chosen = [i for i, s in enumerate(STORES) if s.tier <= tier]
    specs = [STORES[i] for i in chosen]
    city = [_CITY_INDEX[s.city] for s in specs]
    return Stores(
        key=np.array([10 * (i + 1) for i in chosen] + [ONLINE_STORE_KEY], dtype=np.int64),
        code=np.array([i + 1 for i in chosen] + [ONLINE_STORE_KEY], dtype=np.int64),
        spec_index=np.array([*chosen, -1], dtype=np.int64),
        city=np.array([*city, -1], dtype=np.int64),
        country=np.array([_COUNTRY_INDEX[CITIES[c].country] for c in city] + [-1], dtype=np.int64),
        open_day=np.array(
            [_epoch_day(s.open_date) for s in specs] + [_epoch_day(ONLINE_STORE_OPEN)]
        ),
        close_day=np.array(
            [_epoch_day(s.close_date) if s.close_date else _NEVER for s in specs] + [_NEVER]
        ),
    )


def _geo_area_keys() -> IntArray:
    """GeoAreaKey of each city: one geo area per (country, state), numbered in CITIES order."""
    areas: dict[tuple[str, str], int] = {}
    for c in CITIES:
        areas.setdefault((c.country, c.state), len(areas) + 1)
    return np.array([areas[(c.country, c.state)] for c in CITIES], dtype=np.int64)


def _trading_days(stores: Stores, cal: Calendar) -> BoolArray:
    """stores x days: the store is open for business (open..close, not a closing day)."""
    days = cal.epoch_day[None, :]
    trading = (days >= stores.open_day[:, None]) & (days <= stores.close_day[:, None])
    physical = np.arange(stores.size) != stores.online
    christmas_or_new_year = ((cal.month == 12) & (cal.day == 25)) | (
        (cal.month == 1) & (cal.day == 1)
    )
    trading[physical] &= ~christmas_or_new_year[None, :]
    sunday_closed = np.array([c >= 0 and COUNTRIES[c].sunday_closed for c in stores.country])
    trading[sunday_closed] &= (cal.weekday != 6)[None, :]
    german = np.array([c >= 0 and COUNTRIES[c].code == "DE" for c in stores.country])
    trading[german] &= ~((cal.month == 12) & (cal.day == 26))[None, :]
    return trading


def _city_store_km(stores: Stores) -> FloatArray:
    """cities x physical stores: distance in km, infinite across a border."""
    lat = np.radians([c.latitude for c in CITIES])
    lon = np.radians([c.longitude for c in CITIES])
    city_country = np.array([_COUNTRY_INDEX[c.country] for c in CITIES])
    physical = np.arange(stores.size - 1)
    s_city = stores.city[physical]
    dx = (lon[:, None] - lon[None, s_city]) * np.cos((lat[:, None] + lat[None, s_city]) / 2)
    km = 6371.0 * np.hypot(dx, lat[:, None] - lat[None, s_city])
    km[city_country[:, None] != stores.country[None, physical]] = np.inf
    return np.asarray(km, dtype=np.float64)


def _nearest_stores(stores: Stores, ranks: int = 3) -> IntArray:
    """cities x ranks: the nearest physical stores of the city's country (-1 = none)."""
    km = _city_store_km(stores)
    order = np.argsort(km, axis=1, kind="stable")[:, :ranks]
    found = np.take_along_axis(km, order, axis=1) < np.inf
    result = np.where(found, order, -1)
    if result.shape[1] < ranks:
        result = np.pad(result, ((0, 0), (0, ranks - result.shape[1])), constant_values=-1)
    return result.astype(np.int64)


# =========================================================================== customers


@dataclass(frozen=True)
class Customers:
    key: IntArray
    city: IntArray
    country: IntArray
    male: BoolArray
    birth_day: IntArray
    start_day: IntArray
    end_day: IntArray
    """Epoch day of churn; _NEVER while active."""
    propensity: FloatArray
    online_affinity: FloatArray

    @property
    def size(self) -> int:
        return len(self.key)


def _build_customers(
    rng: np.random.Generator, n: int, period: Calendar, stores: Stores
) -> Customers:
    country_share = np.array([c.customer_share for c in COUNTRIES])
    country = choose_weighted(rng, country_share, n)
    city_country = np.array([_COUNTRY_INDEX[c.country] for c in CITIES], dtype=np.int64)
    city_weight = np.array([c.weight for c in CITIES], dtype=np.float64)
    city = _grouped_choice(rng, city_country, city_weight, country)
    start_day = _customer_start_days(rng, n, period)
    end_day = _customer_end_days(rng, start_day, period)
    # CustomerKey grows with the sign-up date; the draws below are i.i.d., so not reordered.
    order = np.lexsort((rng.random(n), start_day))
    male = rng.random(n) >= FEMALE_SHARE
    age_years = np.clip(rng.gamma(6.0, 6.5, n) + 16, 18, 88)
    birth_day = period.epoch_day[-1] - (age_years * 365.25).astype(np.int64)
    # Customers far from a store (or abroad) buy online more often.
    km = _city_store_km(stores).min(axis=1, initial=np.inf)[city]
    affinity = rng.beta(2.0, 5.0, n) * (1 + np.minimum(km / 150, 2))
    return Customers(
        key=np.arange(1, n + 1, dtype=np.int64),
        city=city[order],
        country=country[order],
        male=male,
        birth_day=birth_day,
        start_day=start_day[order],
        end_day=end_day[order],
        propensity=rng.gamma(0.55, 1 / 0.55, n),
        online_affinity=affinity[order] / affinity.mean(),
    )


def _customer_start_days(rng: np.random.Generator, n: int, period: Calendar) -> IntArray:
    """Existing customers signed up in the eight years before; the rest join evenly."""
    first, last = int(period.epoch_day[0]), int(period.epoch_day[-1])
    existing = rng.random(n) < EXISTING_CUSTOMER_SHARE
    before = first - rng.integers(1, 8 * 365, n)
    joined = first + rng.integers(0, max(last - first - 30, 1), n)
    return np.where(existing, before, joined).astype(np.int64)


def _customer_end_days(rng: np.random.Generator, start_day: IntArray, period: Calendar) -> IntArray:
    """Churners leave after an exponential tenure; EndDT stays empty for the others."""
    first, last = int(period.epoch_day[0]), int(period.epoch_day[-1])
    active_from = np.maximum(start_day, first)
    tenure = 30 + rng.exponential(500, len(start_day)).astype(np.int64)
    churn_day = active_from + tenure
    churned = (rng.random(len(start_day)) < CHURN_SHARE) & (churn_day < last)
    return np.where(churned, churn_day, _NEVER).astype(np.int64)


# ============================================================================ products


@dataclass(frozen=True)
class Products:
    key: IntArray
    sub: IntArray
    """Index into SUBCATEGORIES."""
    category: IntArray
    """Index into CATEGORIES."""
    sequence: IntArray
    brand: IntArray
    item: StrArray
    material: StrArray
    color: StrArray
    price: FloatArray
    cost: FloatArray
    weight: FloatArray
    launch_month: IntArray
    """Month index of the first sale (-1: before the period)."""
    end_month: IntArray
    """Last month on sale (_NO_MONTH: never discontinued)."""
    popularity: FloatArray

    @property
    def size(self) -> int:
        return len(self.key)

    @property
    def evergreen(self) -> BoolArray:
        return np.asarray((self.launch_month < 0) & (self.end_month == _NO_MONTH), dtype=bool)


def _flatten_vocab(lists: list[tuple[str, ...]]) -> tuple[StrArray, IntArray]:
    """One array of words and, per word, the index of the list it came from."""
    words = np.array([w for words in lists for w in words])
    owner = np.repeat(np.arange(len(lists)), [len(words) for words in lists]).astype(np.int64)
    return words, owner


def _build_products(rng: np.random.Generator, n: int, months: int, cal: Calendar) -> Products:
    n_sub = len(SUBCATEGORIES)
    share = np.array([s.share for s in SUBCATEGORIES])
    counts = 2 + rng.multinomial(max(n - 2 * n_sub, 0), share / share.sum())
    sub = np.repeat(np.arange(n_sub), counts).astype(np.int64)
    sequence = number_within_runs(counts)
    category = np.array([s.category_key - 1 for s in SUBCATEGORIES], dtype=np.int64)[sub]
    brand = _pick_brands(rng, category)
    items, item_owner = _flatten_vocab([s.items for s in SUBCATEGORIES])
    materials, material_owner = _flatten_vocab([s.materials for s in SUBCATEGORIES])
    item = items[_grouped_choice(rng, item_owner, np.ones(len(items)), sub)]
    material = materials[_grouped_choice(rng, material_owner, np.ones(len(materials)), sub)]
    color_weight = np.array(list(COLORS.values()))
    color = np.array(list(COLORS))[choose_weighted(rng, color_weight, len(sub))]
    price, cost = _list_prices(rng, sub, brand)
    base_weight = np.array([s.weight_grams for s in SUBCATEGORIES], dtype=np.float64)[sub]
    weight = np.maximum(np.round(base_weight * rng.uniform(0.75, 1.3, len(sub)), -1), 10.0)
    launch, end = _product_lifecycle(rng, sequence, months, cal)
    return Products(
        key=np.arange(1, len(sub) + 1, dtype=np.int64),
        sub=sub,
        category=category,
        sequence=sequence,
        brand=brand,
        item=item,
        material=material,
        color=color,
        price=price,
        cost=cost,
        weight=weight,
        launch_month=launch,
        end_month=end,
        popularity=rng.lognormal(0.0, 0.8, len(sub)),
    )


def _pick_brands(rng: np.random.Generator, category: IntArray) -> IntArray:
    pairs = [(b, k - 1) for b, brand in enumerate(BRANDS) for k in brand.category_keys]
    brand_of_pair = np.array([b for b, _ in pairs], dtype=np.int64)
    pair_category = np.array([c for _, c in pairs], dtype=np.int64)
    picked = _grouped_choice(rng, pair_category, np.ones(len(pairs)), category)
    return brand_of_pair[picked]


def _list_prices(
    rng: np.random.Generator, sub: IntArray, brand: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Current USD list price ending in .99 (log-uniform in the range x brand tier), and cost."""
    low = np.array([s.price_usd[0] for s in SUBCATEGORIES])[sub]
    high = np.array([s.price_usd[1] for s in SUBCATEGORIES])[sub]
    tier = np.array([b.price_tier for b in BRANDS])[brand]
    raw = low * np.exp(rng.random(len(sub)) * np.log(high / low)) * tier
    price = np.floor(np.clip(raw, low * 0.6, high * 1.6)) + 0.99
    cost = np.round(price * rng.uniform(0.32, 0.50, len(sub)), 2)
    return price, cost


def _product_lifecycle(
    rng: np.random.Generator, sequence: IntArray, months: int, cal: Calendar
) -> tuple[IntArray, IntArray]:
    """Launches with the spring (February) and autumn (August) collections; some products are
    discontinued after a sales season (end of January or July). The first two products of each
    subcategory are evergreen so that every subcategory always has something to sell."""
    n = len(sequence)
    month_of = (cal.first.month - 1 + np.arange(months)) % 12 + 1
    launch_months = np.flatnonzero(np.isin(month_of, (2, 8)))
    end_months = np.flatnonzero(np.isin(month_of, (1, 7)))
    launch = np.full(n, -1, dtype=np.int64)
    new = (sequence >= 2) & (rng.random(n) < 0.28) & (len(launch_months) > 0)
    if len(launch_months):
        launch[new] = launch_months[rng.integers(0, len(launch_months), int(new.sum()))]
    end = np.full(n, _NO_MONTH, dtype=np.int64)
    if len(end_months):
        candidate = end_months[rng.integers(0, len(end_months), n)]
        retire = (sequence >= 2) & (rng.random(n) < 0.18) & (candidate >= launch + 6)
        end[retire] = candidate[retire]
    return launch, end


def _price_factor(years_before_end: IntArray, inflation: FloatArray) -> FloatArray:
    return (1 + inflation) ** (-years_before_end.astype(np.float64))


# ===================================================================== exchange rates


def _eur_rates(rng: np.random.Generator, cal: Calendar) -> dict[str, FloatArray]:
    """Daily EUR -> currency rates: monthly anchors, interpolated, with small mean-reverting
    noise; days without an ECB fixing (weekends, TARGET holidays) repeat the last fixing."""
    months = (cal.year - EUR_RATE_ANCHOR_YEAR) * 12 + cal.month - 1 + (cal.day - 15) / 30.44
    fixing = np.flatnonzero(cal.working)
    last_fixing = np.maximum.accumulate(np.where(cal.working, np.arange(cal.size), -1))
    last_fixing = np.where(last_fixing < 0, fixing[0] if len(fixing) else 0, last_fixing)
    rates: dict[str, FloatArray] = {"EUR": np.ones(cal.size)}
    for currency, anchors in EUR_MONTHLY_RATES.items():
        base = np.interp(months, np.arange(len(anchors)), np.asarray(anchors))
        noise = _mean_reverting_noise(rng, cal.size, sigma=0.003, keep=0.97)
        daily = np.round(base * np.exp(noise), 4)
        rates[currency] = daily[last_fixing]
    return rates


def _mean_reverting_noise(
    rng: np.random.Generator, n: int, sigma: float, keep: float
) -> FloatArray:
    shocks = rng.normal(0.0, sigma, n)
    noise = np.empty(n)
    level = 0.0
    for i in range(n):  # AR(1): a few thousand steps, no vectorized recurrence in numpy
        level = keep * level + shocks[i]
        noise[i] = level
    return noise


def _pair_rates(eur: dict[str, FloatArray]) -> dict[tuple[str, str], FloatArray]:
    """FROM -> TO rates rounded to 5 decimals as V2 computes them from EUR reference rates."""
    return {(a, b): np.round(eur[b] / eur[a], 5) for a in CURRENCIES for b in CURRENCIES}


# ============================================================================== orders


@dataclass
class Orders:
    customer: IntArray
    day: IntArray
    """Offset into the period calendar."""
    store: IntArray
    """Index into Stores."""
    delivery: IntArray
    """Offset into the period calendar (may run past its end)."""
    lines: IntArray


def _draw_orders(
    rng: np.random.Generator,
    customers: Customers,
    period: Calendar,
    day_weight: FloatArray,
    target_orders: int,
) -> tuple[IntArray, IntArray]:
    """Customer-first: each customer gets Poisson(propensity x seasonal mass of the active
    window) orders, dated inside the window by the daily weights."""
    first = period.epoch_day[0]
    lo = np.clip(customers.start_day - first, 0, period.size - 1)
    hi = np.clip(customers.end_day - first, 0, period.size - 1)
    cdf = np.concatenate(([0.0], np.cumsum(day_weight)))
    mass = cdf[hi + 1] - cdf[lo]
    expected = customers.propensity * mass
    counts = rng.poisson(expected * target_orders / expected.sum())
    customer = np.repeat(np.arange(customers.size), counts).astype(np.int64)
    target = cdf[lo[customer]] + rng.random(len(customer)) * mass[customer]
    day = np.searchsorted(cdf, target, side="right") - 1
    return customer, np.clip(day, lo[customer], hi[customer]).astype(np.int64)


def _choose_stores(
    rng: np.random.Generator,
    customers: Customers,
    stores: Stores,
    period: Calendar,
    customer: IntArray,
    day: IntArray,
) -> tuple[IntArray, IntArray]:
    """Online or the nearest open store; store visits on closing days move to the previous
    (else next) trading day inside the customer's window, else the order goes online."""
    share = ONLINE_SHARE_FIRST + (ONLINE_SHARE_LAST - ONLINE_SHARE_FIRST) * day / max(
        period.size - 1, 1
    )
    share = share * np.where(period.black_friday_weekend()[day] > 1, 1.35, 1.0)
    p_online = np.clip(share * customers.online_affinity[customer], 0.02, 0.97)
    online = rng.random(len(customer)) < p_online
    nearest = _nearest_stores(stores)[customers.city[customer]]
    store = np.full(len(customer), stores.online, dtype=np.int64)
    pending = ~online
    epoch = period.epoch_day[day]
    for rank in range(nearest.shape[1]):
        candidate = nearest[:, rank]
        valid = candidate >= 0
        safe = np.where(valid, candidate, 0)
        ok = pending & valid & (stores.open_day[safe] <= epoch) & (epoch <= stores.close_day[safe])
        store[ok] = candidate[ok]
        pending &= ~ok
    return _move_to_trading_day(customers, stores, period, customer, day, store)


def _move_to_trading_day(
    customers: Customers,
    stores: Stores,
    period: Calendar,
    customer: IntArray,
    day: IntArray,
    store: IntArray,
) -> tuple[IntArray, IntArray]:
    """(store, day) after moving store visits off closing days."""
    trading = _trading_days(stores, period)
    index = np.arange(period.size)
    prev_open = np.maximum.accumulate(np.where(trading, index, -1), axis=1)
    next_open = np.minimum.accumulate(np.where(trading, index, _NEVER)[:, ::-1], axis=1)[:, ::-1]
    first = period.epoch_day[0]
    lo = customers.start_day[customer] - first
    hi = customers.end_day[customer] - first
    closed = ~trading[store, day]
    before, after = prev_open[store, day], next_open[store, day]
    use_before = closed & (before >= np.maximum(lo, 0))
    use_after = closed & ~use_before & (after <= hi) & (after < period.size)
    moved = np.where(use_before, before, np.where(use_after, after, day))
    store = np.where(closed & ~use_before & ~use_after, stores.online, store)
    return store.astype(np.int64), moved.astype(np.int64)


def _delivery_days(
    rng: np.random.Generator,
    customers: Customers,
    stores: Stores,
    period: Calendar,
    customer: IntArray,
    day: IntArray,
    store: IntArray,
) -> IntArray:
    """Same day in store; online 2..10 days, longer in the Christmas peak and abroad."""
    peak = ((period.month == 11) & (period.day >= 20)) | (period.month == 12)
    extra = np.array([c.delivery_extra_days for c in COUNTRIES])[customers.country[customer]]
    lam = 1.2 + 2.0 * peak[day] + extra
    transit = np.clip(2 + rng.poisson(lam), 2, 10)
    return np.where(store == stores.online, day + transit, day).astype(np.int64)


def _build_orders(
    rng: np.random.Generator,
    customers: Customers,
    stores: Stores,
    period: Calendar,
    target_lines: int,
) -> Orders:
    mean_lines = float(np.dot(np.arange(1, len(LINES_PER_ORDER) + 1), LINES_PER_ORDER))
    target_orders = max(round(target_lines / mean_lines / sum(LINES_PER_ORDER)), 1)
    customer, day = _draw_orders(rng, customers, period, _order_day_weights(period), target_orders)
    store, day = _choose_stores(rng, customers, stores, period, customer, day)
    delivery = _delivery_days(rng, customers, stores, period, customer, day, store)
    lines = 1 + choose_weighted(rng, LINES_PER_ORDER, len(customer))
    return Orders(customer, day, store, delivery, lines)


# =============================================================================== lines


@dataclass
class Lines:
    order: IntArray
    product: IntArray
    quantity: IntArray
    unit_price: FloatArray
    net_price: FloatArray
    unit_cost: FloatArray


def _pick_subcategories(rng: np.random.Generator, male: BoolArray, month: IntArray) -> IntArray:
    """Subcategory by buyer gender (category mix) and calendar month (season)."""
    sub_category = np.array([s.category_key - 1 for s in SUBCATEGORIES])
    season = np.array([SEASON_PROFILES[s.season] for s in SUBCATEGORIES])  # subs x 12
    share = np.array([s.share for s in SUBCATEGORIES])
    share_in_category = share / np.bincount(sub_category, weights=share)[sub_category]
    by_gender = np.array([[c.share_female for c in CATEGORIES], [c.share_male for c in CATEGORIES]])
    # groups: gender * 12 + (month - 1); items: every subcategory in every group
    weight = by_gender[:, None, sub_category] * season.T[None, :, :] * share_in_category
    groups = np.repeat(np.arange(24), len(SUBCATEGORIES))
    picked = _grouped_choice(
        rng, groups, weight.reshape(-1), male.astype(np.int64) * 12 + month - 1
    )
    return picked % len(SUBCATEGORIES)


def _pick_products(
    rng: np.random.Generator, products: Products, sub: IntArray, month_index: IntArray, months: int
) -> IntArray:
    """A product of the subcategory on sale that month, by popularity (new launches get a
    two-month boost)."""
    month = np.arange(months)
    active = (products.launch_month[:, None] <= month) & (month <= products.end_month[:, None])
    product, m = np.nonzero(active)
    hype = np.where(m - products.launch_month[product] < 2, 1.8, 1.0)
    weight = products.popularity[product] * np.where(products.launch_month[product] < 0, 1.0, hype)
    group = products.sub[product] * months + m
    return product[_grouped_choice(rng, group.astype(np.int64), weight, sub * months + month_index)]


def _discount_percent(
    rng: np.random.Generator,
    period: Calendar,
    day: IntArray,
    months_to_end: IntArray,
) -> FloatArray:
    """Winter (January) and summer (July) sales, Black Friday weekend, clearance in the last
    two months of a discontinued product, and occasional promotions otherwise."""
    n = len(day)
    month, dom = period.month[day], period.day[day]
    winter_or_summer = ((month == 1) & (dom >= 2)) | (month == 7)
    black_friday = period.black_friday_weekend()[day] > 1
    clearance = months_to_end <= 1
    promo = _pick_percent(rng, n, (5, 10, 15), (0.4, 0.4, 0.2))
    sales = _pick_percent(rng, n, (20, 30, 40, 50), (0.3, 0.35, 0.25, 0.1))
    friday = _pick_percent(rng, n, (15, 20, 25, 30), (0.3, 0.3, 0.25, 0.15))
    clear = _pick_percent(rng, n, (40, 50, 60, 70), (0.3, 0.3, 0.25, 0.15))
    u = rng.random(n)
    pct = np.where(u < 0.10, promo, 0.0)
    pct = np.where(winter_or_summer, np.where(u < 0.55, sales, 0.0), pct)
    pct = np.where(black_friday, np.where(u < 0.65, friday, 0.0), pct)
    return np.where(clearance, np.where(u < 0.8, clear, 0.0), pct)


def _pick_percent(
    rng: np.random.Generator, n: int, values: tuple[int, ...], weights: tuple[float, ...]
) -> FloatArray:
    return np.asarray(values, dtype=np.float64)[choose_weighted(rng, weights, n)]


def _build_lines(
    rng: np.random.Generator,
    orders: Orders,
    customers: Customers,
    products: Products,
    period: Calendar,
    months: int,
) -> Lines:
    order = np.repeat(np.arange(len(orders.day)), orders.lines).astype(np.int64)
    day = orders.day[order]
    month_index = period.month_index()[day]
    sub = _pick_subcategories(rng, customers.male[orders.customer[order]], period.month[day])
    product = _pick_products(rng, products, sub, month_index, months)
    quantity = 1 + choose_weighted(rng, QUANTITY_WEIGHTS, len(order))
    years_before_end = period.year[-1] - period.year[day]
    inflation = np.array([c.price_inflation for c in CATEGORIES])[products.category[product]]
    unit_price = (
        np.floor(products.price[product] * _price_factor(years_before_end, inflation)) + 0.99
    )
    unit_cost = _unit_cost(products, product, years_before_end)
    months_to_end = products.end_month[product] - month_index
    pct = _discount_percent(rng, period, day, months_to_end)
    net_price = np.round(unit_price * (1 - pct / 100), 2)
    return Lines(order, product, quantity, unit_price, net_price, unit_cost)


def _unit_cost(products: Products, product: IntArray, years_before_end: IntArray) -> FloatArray:
    """Cost rises a point faster than list prices (sourcing inflation)."""
    inflation = np.array([c.price_inflation + 0.01 for c in CATEGORIES])[products.category[product]]
    return np.round(products.cost[product] * _price_factor(years_before_end, inflation), 2)


# =========================================================================== inventory


@dataclass
class Inventory:
    """End-of-day stock of tracked products; arrays are days x pairs (store-major)."""

    tracked: IntArray
    """Product indices tracked, in ProductKey order."""
    on_hand: npt.NDArray[np.int32]
    on_order: npt.NDArray[np.int32]
    reorder_point: IntArray
    safety_stock: IntArray
    fulfilled: BoolArray
    """Per order line: False when the line met an empty shelf (lost sale)."""


def _tracked_products(products: Products, lines: Lines, count: int) -> IntArray:
    """Best sellers (by lines) among products on sale for the whole period."""
    sold = np.bincount(lines.product, minlength=products.size).astype(np.float64)
    sold[~products.evergreen] = -1
    best = np.argsort(-sold, kind="stable")[:count]
    return np.sort(best[sold[best] >= 0]).astype(np.int64)


@dataclass
class _LineQueue:
    """Tracked order lines sorted by day, pair and order, as the shelf sees them."""

    line: IntArray
    pair: IntArray
    quantity: IntArray
    cumulative: IntArray
    """Units asked for at the pair that day up to and including this line."""
    day_bounds: IntArray
    """Lines of day d are line[day_bounds[d]:day_bounds[d + 1]]."""


@dataclass
class _Policy:
    """Replenishment parameters per pair, set from the average demand (the forecast)."""

    lead_days: IntArray
    safety_stock: IntArray
    reorder_point: IntArray
    order_up_to: IntArray


def _line_queue(
    orders: Orders, lines: Lines, position: IntArray, n_tracked: int, days: int
) -> _LineQueue:
    line_day = orders.day[lines.order]
    line_pair = orders.store[lines.order] * n_tracked + position[lines.product]
    idx = np.flatnonzero(position[lines.product] >= 0)
    idx = idx[np.lexsort((idx, line_pair[idx], line_day[idx]))]
    qty = lines.quantity[idx]
    group = line_day[idx] * (int(line_pair.max(initial=0)) + 1) + line_pair[idx]
    return _LineQueue(
        line=idx,
        pair=line_pair[idx],
        quantity=qty,
        cumulative=cumsum_within(qty, group),
        day_bounds=np.searchsorted(line_day[idx], np.arange(days + 1)).astype(np.int64),
    )


def _replenishment_policy(
    stores: Stores, period: Calendar, queue: _LineQueue, n_tracked: int
) -> _Policy:
    """Lead time: three days to the online warehouse, five to a store. Safety stock covers
    the lead-time demand's noise (z = 1.28), not the Christmas peak: that is when shelves
    run empty."""
    n_pairs = stores.size * n_tracked
    units = np.bincount(queue.pair, weights=queue.quantity, minlength=n_pairs)
    first, last = period.epoch_day[0], period.epoch_day[-1]
    open_days = np.minimum(stores.close_day, last) - np.maximum(stores.open_day, first) + 1
    rate = units / np.repeat(np.maximum(open_days, 1), n_tracked)
    lead = np.repeat(np.where(np.arange(stores.size) == stores.online, 3, 5), n_tracked)
    safety = np.maximum(1, np.ceil(1.28 * np.sqrt(rate * lead))).astype(np.int64)
    reorder_point = np.ceil(rate * lead).astype(np.int64) + safety
    order_up_to = reorder_point + np.maximum(np.ceil(rate * 21), 2).astype(np.int64)
    return _Policy(lead.astype(np.int64), safety, reorder_point, order_up_to)


def _simulate_inventory(
    rng: np.random.Generator,
    orders: Orders,
    lines: Lines,
    products: Products,
    stores: Stores,
    period: Calendar,
    tracked_count: int,
) -> Inventory:
    """Day by day: receive due replenishments, serve the day's lines in order while stock
    lasts (the rest are lost sales), then reorder up to the target level when on-hand is at
    or below the reorder point and nothing is on order."""
    tracked = _tracked_products(products, lines, tracked_count)
    position = np.full(products.size, -1, dtype=np.int64)
    position[tracked] = np.arange(len(tracked))
    queue = _line_queue(orders, lines, position, len(tracked), period.size)
    policy = _replenishment_policy(stores, period, queue, len(tracked))
    n_pairs = stores.size * len(tracked)

    on_hand = policy.order_up_to.copy()
    on_order = np.zeros(n_pairs, dtype=np.int64)
    arrival = np.full(n_pairs, -1, dtype=np.int64)
    hist_on_hand = np.empty((period.size, n_pairs), dtype=np.int32)
    hist_on_order = np.empty((period.size, n_pairs), dtype=np.int32)
    served = np.zeros(len(queue.line), dtype=bool)
    for d in range(period.size):
        received = arrival == d
        on_hand[received] += on_order[received]
        on_order[received] = 0
        a, b = queue.day_bounds[d], queue.day_bounds[d + 1]
        ok = queue.cumulative[a:b] <= on_hand[queue.pair[a:b]]
        served[a:b] = ok
        sold = np.bincount(queue.pair[a:b][ok], weights=queue.quantity[a:b][ok], minlength=n_pairs)
        on_hand -= sold.astype(np.int64)
        reorder = (on_hand <= policy.reorder_point) & (on_order == 0) & ~received
        on_order[reorder] = policy.order_up_to[reorder] - on_hand[reorder]
        delay = _supplier_delays(rng, int(reorder.sum()))
        arrival[reorder] = d + policy.lead_days[reorder] + delay
        hist_on_hand[d] = on_hand
        hist_on_order[d] = on_order
    fulfilled = np.ones(len(lines.order), dtype=bool)
    fulfilled[queue.line] = served
    return Inventory(
        tracked, hist_on_hand, hist_on_order, policy.reorder_point, policy.safety_stock, fulfilled
    )


def _supplier_delays(rng: np.random.Generator, n: int) -> IntArray:
    late = rng.random(n) < LATE_REPLENISHMENT_SHARE
    low, high = LATE_REPLENISHMENT_DAYS
    return np.where(late, rng.integers(low, high + 1, n), 0).astype(np.int64)


# ========================================================================= assembling


ORDER_COLUMNS = ("OrderKey", "CustomerKey", "StoreKey", "OrderDate", "DeliveryDate", "CurrencyCode")
ORDER_ROW_COLUMNS = (
    "OrderKey", "LineNumber", "ProductKey", "Quantity", "UnitPrice", "NetPrice", "UnitCost",
)  # fmt: skip


def _dates(epoch_days: IntArray) -> pa.Array:
    return pa.array(epoch_days.astype(np.int32), type=pa.date32())


def _optional_dates(epoch_days: IntArray) -> pa.Array:
    return pa.array(epoch_days.astype(np.int32), type=pa.date32(), mask=epoch_days >= _NEVER)


def _strings(values: npt.NDArray[Any], missing: BoolArray | None = None) -> pa.Array:
    return pa.array(values, type=pa.string(), mask=missing)


def _order_keys(day: IntArray, rng: np.random.Generator) -> IntArray:
    """V2 numbering: (day number + 1) x range + position in the day, range a power of ten
    above the busiest day."""
    order = np.lexsort((rng.random(len(day)), day))
    ranked_day = day[order]
    position = rank_within(ranked_day)
    busiest = int(np.bincount(day).max()) if len(day) else 1
    mean = max(len(day) / max(int(day.max(initial=0)) + 1, 1), 1.0)
    daily_range = 10 ** (math.ceil(math.log10(mean)) + 1)
    while daily_range <= busiest:
        daily_range *= 10
    keys = np.empty(len(day), dtype=np.int64)
    keys[order] = (ranked_day + 1) * daily_range + position
    return keys


def _number_kept_lines(
    rng: np.random.Generator, orders: Orders, lines: Lines, keep: BoolArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Kept lines sorted by order, with their OrderKey and LineNumber (from 0, as V2);
    orders that lost all their lines get no key."""
    kept = np.flatnonzero(keep)
    kept_orders = np.unique(lines.order[kept])
    key_of = np.zeros(len(orders.day), dtype=np.int64)
    key_of[kept_orders] = _order_keys(orders.day[kept_orders], rng)
    line_index = kept[np.lexsort((kept, key_of[lines.order[kept]]))]
    order_key = key_of[lines.order[line_index]]
    line_number = rank_within(order_key)
    return line_index, order_key, line_number.astype(np.int64)


def _sales_table(
    rng: np.random.Generator,
    orders: Orders,
    lines: Lines,
    keep: BoolArray,
    customers: Customers,
    stores: Stores,
    period: Calendar,
    usd_rates: FloatArray,
) -> pa.Table:
    """One row per fulfilled line. ``usd_rates`` is currencies x period days (USD -> currency),
    amounts stay in USD as in V2."""
    line_index, order_key, line_number = _number_kept_lines(rng, orders, lines, keep)
    order = lines.order[line_index]
    day = orders.day[order]
    currency_of_country = np.array([CURRENCIES.index(c.currency) for c in COUNTRIES])
    currency = currency_of_country[customers.country[orders.customer[order]]]
    first = period.epoch_day[0]
    return pa.table(
        {
            "OrderKey": pa.array(order_key),
            "LineNumber": pa.array(line_number),
            "OrderDate": _dates(first + day),
            "DeliveryDate": _dates(first + orders.delivery[order]),
            "CustomerKey": pa.array(customers.key[orders.customer[order]]),
            "StoreKey": pa.array(stores.key[orders.store[order]]),
            "ProductKey": pa.array(lines.product[line_index] + 1),
            "Quantity": pa.array(lines.quantity[line_index]),
            "UnitPrice": pa.array(lines.unit_price[line_index]),
            "NetPrice": pa.array(lines.net_price[line_index]),
            "UnitCost": pa.array(lines.unit_cost[line_index]),
            "CurrencyCode": _strings(np.array(CURRENCIES)[currency]),
            "ExchangeRate": pa.array(usd_rates[currency, day]),
        }
    )


def _orders_table(sales: pa.Table) -> pa.Table:
    """The order header of every sale: its first line's order columns."""
    return sales.filter(pc.equal(sales["LineNumber"], 0)).select(list(ORDER_COLUMNS))


def _order_rows_table(sales: pa.Table) -> pa.Table:
    return sales.select(list(ORDER_ROW_COLUMNS))


def _pick(specs: tuple[object, ...], attribute: str, index: IntArray) -> npt.NDArray[Any]:
    """``specs[i].attribute`` for every i of ``index``."""
    return np.array([getattr(spec, attribute) for spec in specs])[index]


def _titles(rng: np.random.Generator, male: BoolArray, age: IntArray) -> StrArray:
    n = len(male)
    female = np.where((age < 35) | (rng.random(n) < 0.4), "Ms.", "Mrs.")
    return np.where(rng.random(n) < 0.03, "Dr.", np.where(male, "Mr.", female))


def _vehicles(rng: np.random.Generator, n: int, last_year: int) -> StrArray:
    """'2019 Volkswagen Golf': model year and car, as V2's customer data has them."""
    year = rng.integers(2006, last_year + 1, n).astype(str)
    model = np.array(VEHICLES)[rng.integers(0, len(VEHICLES), n)]
    return np.strings.add(np.strings.add(year, " "), model)


def _customer_table(rng: np.random.Generator, customers: Customers, period: Calendar) -> pa.Table:
    n, city, country = customers.size, customers.city, customers.country
    age = _age_at(customers.birth_day, int(period.epoch_day[-1]))
    latitude = _pick(CITIES, "latitude", city) + rng.normal(0, 0.03, n)
    longitude = _pick(CITIES, "longitude", city) + rng.normal(0, 0.04, n)
    return pa.table(
        {
            "CustomerKey": pa.array(customers.key),
            "GeoAreaKey": pa.array(_geo_area_keys()[city]),
            "StartDT": _dates(customers.start_day),
            "EndDT": _optional_dates(customers.end_day),
            "Continent": _strings(_pick(COUNTRIES, "continent", country)),
            "Gender": _strings(np.where(customers.male, "male", "female")),
            "Title": _strings(_titles(rng, customers.male, age)),
            "GivenName": _strings(_given_names(rng, customers)),
            "MiddleInitial": _strings(
                _LETTERS[rng.integers(0, len(_LETTERS), n)], rng.random(n) < 0.45
            ),
            "Surname": _strings(_from_country_lists(rng, SURNAMES, country)),
            "StreetAddress": _strings(_street_addresses(rng, country)),
            "City": _strings(_pick(CITIES, "name", city)),
            "State": _strings(_pick(CITIES, "state", city)),
            "StateFull": _strings(_pick(CITIES, "state_full", city)),
            "ZipCode": _strings(_zip_codes(rng, customers)),
            "Country": _strings(_pick(COUNTRIES, "code", country)),
            "CountryFull": _strings(_pick(COUNTRIES, "name", country)),
            "Birthday": _dates(customers.birth_day),
            "Age": pa.array(age),
            "Occupation": _strings(np.array(OCCUPATIONS)[rng.integers(0, len(OCCUPATIONS), n)]),
            "Company": _strings(
                np.array(COMPANIES)[rng.integers(0, len(COMPANIES), n)], rng.random(n) < 0.2
            ),
            "Vehicle": _strings(_vehicles(rng, n, int(period.year[-1])), rng.random(n) < 0.3),
            "Latitude": pa.array(np.round(latitude, 6)),
            "Longitude": pa.array(np.round(longitude, 6)),
        }
    )


def _age_at(birth_day: IntArray, on_day: int) -> IntArray:
    """Completed years on ``on_day`` (birthday not reached yet this year: one less)."""
    birth = Calendar.from_epoch_days(birth_day)
    ref = Calendar.from_epoch_days(np.array([on_day], dtype=np.int64))
    not_yet = ref.month[0] * 100 + ref.day[0] < birth.month * 100 + birth.day
    return np.asarray(ref.year[0] - birth.year - not_yet, dtype=np.int64)


def _from_country_lists(
    rng: np.random.Generator, lists: dict[str, tuple[str, ...]], country: IntArray
) -> StrArray:
    words, owner = _flatten_vocab([lists[c.code] for c in COUNTRIES])
    return words[_grouped_choice(rng, owner, np.ones(len(words)), country)]


def _given_names(rng: np.random.Generator, customers: Customers) -> StrArray:
    male = _from_country_lists(rng, GIVEN_NAMES_MALE, customers.country)
    female = _from_country_lists(rng, GIVEN_NAMES_FEMALE, customers.country)
    return np.where(customers.male, male, female)


def _street_addresses(rng: np.random.Generator, country: IntArray) -> StrArray:
    street = _from_country_lists(rng, STREETS, country)
    is_us = country == _COUNTRY_INDEX["US"]
    number = np.where(
        is_us, rng.integers(100, 9999, len(country)), rng.integers(1, 180, len(country))
    )
    number_text = number.astype(str)
    street_first = np.array([c.street_first for c in COUNTRIES])[country]
    number_first = np.strings.add(np.strings.add(number_text, " "), street)
    street_then_number = np.strings.add(np.strings.add(street, " "), number_text)
    return np.where(street_first, street_then_number, number_first)


def _zip_codes(rng: np.random.Generator, customers: Customers) -> StrArray:
    prefix = np.array([c.zip_prefix for c in CITIES])[customers.city]
    out = np.empty(customers.size, dtype=object)
    for i, country in enumerate(COUNTRIES):
        mine = customers.country == i
        if mine.any():
            out[mine] = _fill_pattern(rng, country.zip_pattern, prefix[mine])
    return out.astype(str)


def _product_table(products: Products) -> pa.Table:
    sub_key = np.array([s.key for s in SUBCATEGORIES])[products.sub]
    brand = np.array([b.name for b in BRANDS])[products.brand]
    name = np.strings.add(
        np.strings.add(brand, " "),
        np.strings.add(np.strings.add(products.material, " "), products.item),
    )
    name = np.strings.add(np.strings.add(name, " "), products.color)
    code = np.strings.add(
        np.strings.zfill(sub_key.astype(str), 4),
        np.strings.zfill((products.sequence + 1).astype(str), 3),
    )
    return pa.table(
        {
            "ProductKey": pa.array(products.key),
            "ProductCode": _strings(code),
            "ProductName": _strings(name),
            "Manufacturer": _strings(np.array([b.manufacturer for b in BRANDS])[products.brand]),
            "Brand": _strings(brand),
            "Color": _strings(products.color),
            "WeightUnit": _strings(np.full(products.size, "grams")),
            "Weight": pa.array(products.weight),
            "Cost": pa.array(products.cost),
            "Price": pa.array(products.price),
            "CategoryKey": pa.array(np.array([c.key for c in CATEGORIES])[products.category]),
            "CategoryName": _strings(np.array([c.name for c in CATEGORIES])[products.category]),
            "SubCategoryKey": pa.array(sub_key.astype(np.int64)),
            "SubCategoryName": _strings(np.array([s.name for s in SUBCATEGORIES])[products.sub]),
        }
    )


def _store_table(stores: Stores) -> pa.Table:
    """Physical stores, then the online store (no country, no floor space)."""
    specs = [STORES[int(i)] for i in stores.spec_index[:-1]]
    cities = [CITIES[int(i)] for i in stores.city[:-1]]
    countries = [COUNTRIES[int(i)] for i in stores.country[:-1]]
    status = [
        "Closed" if s.close_date else "Restructured" if s.restructured else None for s in specs
    ]
    descriptions = [f"Contoso Store {c.name} {s.site}" for c, s in zip(cities, specs, strict=True)]
    return pa.table(
        {
            "StoreKey": pa.array(stores.key),
            "StoreCode": pa.array(stores.code),
            "GeoAreaKey": pa.array([*_geo_area_keys()[stores.city[:-1]], ONLINE_GEO_AREA_KEY]),
            "CountryCode": pa.array([*(c.code for c in countries), None], pa.string()),
            "CountryName": pa.array([*(c.name for c in countries), "Online"], pa.string()),
            "State": pa.array([*(c.state_full for c in cities), "Online"], pa.string()),
            "OpenDate": pa.array([*(s.open_date for s in specs), ONLINE_STORE_OPEN], pa.date32()),
            "CloseDate": pa.array([*(s.close_date for s in specs), None], pa.date32()),
            "Description": pa.array([*descriptions, "Contoso Online Store"], pa.string()),
            "SquareMeters": pa.array([*(s.square_meters for s in specs), None], pa.int64()),
            "Status": pa.array([*status, None], pa.string()),
        }
    )


def _currency_exchange_table(cal: Calendar, pairs: dict[tuple[str, str], FloatArray]) -> pa.Table:
    """Sorted by date, from, to (as V2 writes it)."""
    names = list(pairs)
    n_pairs = len(names)
    rates = np.stack([pairs[p] for p in names], axis=1).reshape(-1)
    return pa.table(
        {
            "Date": _dates(np.repeat(cal.epoch_day, n_pairs)),
            "FromCurrency": _strings(np.tile(np.array([a for a, _ in names]), cal.size)),
            "ToCurrency": _strings(np.tile(np.array([b for _, b in names]), cal.size)),
            "Exchange": pa.array(rates),
        }
    )


def _date_table(cal: Calendar) -> pa.Table:
    """V2's date dimension; WorkingDay excludes weekends and pan-European holidays."""
    year = cal.year.astype(str)
    quarter = (cal.month - 1) // 3 + 1
    quarter_name = np.strings.add("Q", quarter.astype(str))
    month_name = np.array(MONTH_NAMES)[cal.month - 1]
    month_short = np.strings.slice(month_name, 0, 3)
    dotnet_weekday = (cal.weekday + 1) % 7  # Sunday = 0
    day_name = np.array(DAY_NAMES)[dotnet_weekday]
    working = cal.working
    date_key = np.strings.add(
        np.strings.add(year, np.strings.zfill(cal.month.astype(str), 2)),
        np.strings.zfill(cal.day.astype(str), 2),
    )
    return pa.table(
        {
            "Date": _dates(cal.epoch_day),
            "DateKey": _strings(date_key),
            "Year": pa.array(cal.year),
            "YearQuarter": _strings(np.strings.add(np.strings.add(quarter_name, "-"), year)),
            "YearQuarterNumber": pa.array(4 * cal.year + quarter),
            "Quarter": _strings(quarter_name),
            "YearMonth": _strings(np.strings.add(np.strings.add(month_name, " "), year)),
            "YearMonthShort": _strings(np.strings.add(np.strings.add(month_short, " "), year)),
            "YearMonthNumber": pa.array(12 * cal.year + cal.month),
            "Month": _strings(month_name),
            "MonthShort": _strings(month_short),
            "MonthNumber": pa.array(cal.month),
            "DayofWeek": _strings(day_name),
            "DayofWeekShort": _strings(np.strings.slice(day_name, 0, 3)),
            "DayofWeekNumber": pa.array(dotnet_weekday + 1),
            "WorkingDay": pa.array(working.astype(np.int64)),
            "WorkingDayNumber": pa.array(np.cumsum(working).astype(np.int64)),
        }
    )


def _inventory_table(
    inventory: Inventory, products: Products, stores: Stores, period: Calendar
) -> pa.Table:
    """Rows for the days each store is open (open..close), by date, store, product."""
    n_tracked = len(inventory.tracked)
    days, pairs = np.meshgrid(
        np.arange(period.size), np.arange(stores.size * n_tracked), indexing="ij"
    )
    store = pairs // n_tracked
    product = inventory.tracked[pairs % n_tracked]
    epoch = period.epoch_day[days]
    open_ = (epoch >= stores.open_day[store]) & (epoch <= stores.close_day[store])
    years_before_end = (period.year[-1] - period.year[days])[open_]
    cost = _unit_cost(products, product[open_], years_before_end)
    pair = pairs[open_]
    return pa.table(
        {
            "Date": _dates(epoch[open_]),
            "StoreKey": pa.array(stores.key[store[open_]]),
            "ProductKey": pa.array(products.key[product[open_]]),
            "OnHandQuantity": pa.array(inventory.on_hand[open_].astype(np.int64)),
            "OnOrderQuantity": pa.array(inventory.on_order[open_].astype(np.int64)),
            "ReorderPoint": pa.array(inventory.reorder_point[pair]),
            "SafetyStock": pa.array(inventory.safety_stock[pair]),
            "UnitCost": pa.array(cost),
        }
    )


def _write_csv(table: pa.Table, path: Path) -> Path:
    """Quotes the header and every string field, as V2's exports do: pyarrow's "needed" style,
    not the minimal quoting of ``synth.write_csv`` that the other sources publish."""
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return path


# ============================================================================= entry


def generate(
    landing_dir: Path,
    *,
    scale: Scale,
    seed: int,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
) -> list[Path]:
    """Writes the Contoso V2 table set (plus inventory.csv) into landing_dir and returns the
    paths: sales, orders, orderrows, customer, product, store, currencyexchange, date,
    inventory."""
    if end <= start:
        raise ValueError(f"end ({end}) must be after start ({start})")
    profile = SCALE_PROFILES[Scale(scale)]
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    period = Calendar.span(start, end)
    months = int(period.month_index()[-1]) + 1

    stores = _build_stores(profile.store_tier)
    customers = _build_customers(rngs[0], profile.customers, period, stores)
    products = _build_products(rngs[1], profile.products, months, period)
    orders = _build_orders(rngs[2], customers, stores, period, profile.sales_lines)
    lines = _build_lines(rngs[3], orders, customers, products, period, months)
    inventory = _simulate_inventory(
        rngs[7], orders, lines, products, stores, period, profile.inventory_products
    )

    last_delivery = start + timedelta(days=int(orders.delivery.max(initial=0)))
    calendar = Calendar.span(date(start.year, 1, 1), date(max(end, last_delivery).year, 12, 31))
    pairs = _pair_rates(_eur_rates(rngs[4], calendar))
    in_period = slice(calendar.offset(start), calendar.offset(end) + 1)
    usd_rates = np.stack([pairs[(BASE_CURRENCY, c)][in_period] for c in CURRENCIES])
    sales = _sales_table(
        rngs[5], orders, lines, inventory.fulfilled, customers, stores, period, usd_rates
    )

    landing_dir.mkdir(parents=True, exist_ok=True)
    outputs = {
        "sales": sales,
        "orders": _orders_table(sales),
        "orderrows": _order_rows_table(sales),
        "customer": _customer_table(rngs[6], customers, period),
        "product": _product_table(products),
        "store": _store_table(stores),
        "currencyexchange": _currency_exchange_table(calendar, pairs),
        "date": _date_table(calendar),
        "inventory": _inventory_table(inventory, products, stores, period),
    }
    return [_write_csv(table, landing_dir / f"{name}.csv") for name, table in outputs.items()]
