"""Common Norwegian given names and surnames for generated (fictional) people."""

GIRLS = (
    "Nora", "Emma", "Ella", "Sofie", "Olivia", "Ada", "Sara", "Ingrid", "Leah", "Frida",
    "Maja", "Astrid", "Hedda", "Selma", "Tiril", "Thea", "Ida", "Marie", "Amalie", "Vilde",
    "Linnea", "Aurora", "Hanna", "Mathilde", "Julie", "Live", "Eva", "Sigrid", "Tuva", "Alma",
)
BOYS = (
    "Jakob", "Emil", "Noah", "Oliver", "Filip", "William", "Lucas", "Liam", "Henrik", "Oskar",
    "Aksel", "Theodor", "Elias", "Kasper", "Magnus", "Johannes", "Isak", "Mathias", "Tobias", "Sander",
    "Vetle", "Even", "Håkon", "Sindre", "Eirik", "Torbjørn", "Ludvig", "Adrian", "Markus", "Odin",
)
WOMEN = (
    "Anne", "Kari", "Marit", "Ingrid", "Liv", "Hilde", "Silje", "Camilla", "Ida", "Marte",
    "Kristin", "Heidi", "Randi", "Tone", "Guro", "Ragnhild", "Elisabeth", "Lene", "Mona", "Siri",
)
MEN = (
    "Per", "Ole", "Lars", "Jan", "Kjetil", "Morten", "Anders", "Espen", "Geir", "Trond",
    "Knut", "Arne", "Erik", "Stian", "Thomas", "Rune", "Bjørn", "Øyvind", "Håvard", "Tor",
)
SURNAMES = (
    "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen",
    "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen",
    "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen", "Lund", "Sørensen",
    "Jakobsen", "Moen", "Gundersen", "Iversen", "Strand", "Solberg", "Svendsen", "Eide",
    "Knutsen", "Martinsen", "Paulsen", "Bakken", "Kristoffersen", "Mathisen", "Lie", "Amundsen",
    "Nguyen", "Rasmussen", "Ali", "Lunde", "Solheim", "Berge", "Moe", "Nygård", "Bakke", "Kristensen",
    "Fredriksen", "Holm", "Lien", "Hauge", "Christensen", "Andresen", "Nielsen", "Knudsen", "Evensen", "Sæther",
)
