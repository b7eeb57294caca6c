"""Words the demo data is made of: French names, companies, sectors, titles, texts. Pure data."""

from __future__ import annotations

FIRST_NAMES_F = (
    "Camille Chloé Léa Manon Emma Inès Sarah Julie Laura Marie Pauline Mathilde Claire Lucie "
    "Anaïs Céline Sophie Nathalie Isabelle Sandrine Valérie Stéphanie Aurélie Émilie Caroline "
    "Élodie Audrey Hélène Charlotte Juliette Margaux Océane Clémence Alice Agathe Louise Anne "
    "Delphine Virginie Florence Christine Sylvie Catherine Laetitia Mélanie Marion Justine "
    "Morgane Amandine Noémie Estelle Karine Corinne Fanny Gaëlle Solène Maëlle Elsa Jeanne Zoé"
).split()
FIRST_NAMES_M = (
    "Thomas Nicolas Julien Maxime Alexandre Antoine Romain Pierre Guillaume Florian Kevin "
    "Mathieu Sébastien Jérôme Laurent Christophe Stéphane Olivier Philippe Frédéric David Éric "
    "Vincent François Benoît Cédric Damien Fabien Arnaud Hugo Lucas Louis Théo Paul Baptiste "
    "Clément Quentin Adrien Victor Raphaël Arthur Jules Gabriel Simon Xavier Thierry Patrick "
    "Bruno Alain Yannick Loïc Grégory Ludovic Mickaël Rémi Gaëtan Bastien Yann Karim Mehdi"
).split()
_LAST_WORDS = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel "
    "Lefebvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine "
    "Rousseau Vincent Muller Lefèvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier "
    "François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu "
    "Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun "
    "Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche "
    "Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud "
    "Dumas Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq "
    "Guillaume Lecomte Lopez Jean Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin "
    "Louis Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Paris Poirier "
    "Marty Aubry Guyot Carré Charles Renault Charpentier Ménard Maillard Baron Bertin Bailly "
    "Hervé Schneider Fernandez Le Gall Collet Léger Bouvier Julien Prévost Millet Perrot "
    "Daniel Le Roux Cousin Germain Breton Besson Langlois Rémy Le Goff Pelletier Lévêque "
    "Perrier Leblanc Barré Lebrun Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud "
    "Rodriguez Guichard Gillet Étienne Grondin Poulain Tessier Chevallier Collin Chauvin "
    "Da Silva Bouchet Gay Lemaître Bénard Maréchal Humbert Reynaud Antoine Hoarau Perret "
    "Barthélémy Cordier Pichon Lejeune Gilbert Lamy Delaunay Pasquier Carlier Laporte"
).split()
# Two-word surnames above were split; rebuild the few that matter.
_PARTS = ("Le", "Da", "Gall", "Goff", "Silva")
LAST_NAMES = (
    *(n for n in _LAST_WORDS if n not in _PARTS),
    "Le Gall",
    "Le Roux",
    "Le Goff",
    "Da Silva",
)

_CITY_WORDS = (
    "Paris Lyon Marseille Toulouse Nantes Bordeaux Lille Rennes Strasbourg Montpellier Nice "
    "Grenoble Dijon Angers Reims Tours Rouen Metz Brest Caen Orléans Limoges Annecy Nancy "
    "Amiens Poitiers Besançon Perpignan Pau Valence Chambéry Niort Vannes Lorient La-Rochelle"
).split()
CITIES = tuple(c.replace("-", " ") for c in _CITY_WORDS)

COMPANY_PREFIXES = (
    "Techno Agri Logi Hydro Métal Vini Bio Éco Indus Pharma Nova Alti Cyber Domo Électro Ferro "
    "Géo Info Médi Navi Opti Poly Prox Sécu Syn Télé Trans Valo Aéro Bati Clima Digi Ergo Flexi"
).split()
COMPANY_SUFFIXES = (
    "val tech log via sys com nova pôle line gest serv ia ance ys ora is data flux net form "
    "tis lia gram sphère mat"
).split()

# (pattern, sector or None): {surname}, {coined}, {city}.
COMPANY_PATTERNS = (
    ("{coined}", None),
    ("{coined}", None),
    ("{coined} {city}", None),
    ("{surname} & Fils", "Industrie"),
    ("{surname} Industries", "Industrie"),
    ("Groupe {surname}", None),
    ("Établissements {surname}", "Distribution"),
    ("Transports {surname}", "Transport et logistique"),
    ("{surname} Logistique", "Transport et logistique"),
    ("Cabinet {surname}", "Conseil"),
    ("{surname} Conseil", "Conseil"),
    ("Laboratoires {surname}", "Santé"),
    ("Clinique de {city}", "Santé"),
    ("Ateliers de {city}", "Industrie"),
    ("{surname} Bâtiment", "BTP"),
    ("Menuiseries {surname}", "BTP"),
    ("Mutuelle de {city}", "Banque et assurance"),
    ("Fromageries {surname}", "Agroalimentaire"),
    ("{coined} Énergies", "Énergie"),
    ("{coined} Software", "Éditeur de logiciels"),
    ("Agence {coined}", "Services aux entreprises"),
    ("Immobilière {surname}", "Immobilier"),
)
LEGAL_FORMS = ("SAS", "SAS", "SA", "SARL", "", "", "")

SECTORS = (
    "Industrie",
    "Transport et logistique",
    "Santé",
    "Banque et assurance",
    "Distribution",
    "BTP",
    "Agroalimentaire",
    "Services aux entreprises",
    "Éditeur de logiciels",
    "Énergie",
    "Conseil",
    "Immobilier",
    "Éducation et formation",
    "Secteur public",
)

# (masculine, feminine, seniority) - seniority feeds the demographic score.
JOB_TITLES = (
    ("Directeur commercial", "Directrice commerciale", "executive"),
    ("Directeur marketing", "Directrice marketing", "executive"),
    ("Directeur général", "Directrice générale", "executive"),
    ("DSI", "DSI", "executive"),
    ("Directeur des opérations", "Directrice des opérations", "executive"),
    ("Head of Sales", "Head of Sales", "executive"),
    ("Responsable informatique", "Responsable informatique", "manager"),
    ("Responsable marketing digital", "Responsable marketing digital", "manager"),
    ("Responsable ADV", "Responsable ADV", "manager"),
    ("Responsable relation client", "Responsable relation client", "manager"),
    ("Responsable des achats", "Responsable des achats", "manager"),
    ("Chef de projet digital", "Cheffe de projet digital", "manager"),
    ("Business developer", "Business developer", "staff"),
    ("Chargé de marketing", "Chargée de marketing", "staff"),
    ("Acheteur", "Acheteuse", "staff"),
    ("Commercial sédentaire", "Commerciale sédentaire", "staff"),
    ("Assistant de direction", "Assistante de direction", "staff"),
    ("Stagiaire marketing", "Stagiaire marketing", "staff"),
)
SUPPORT_TITLES = (("Office manager", "Office manager", "staff"), *JOB_TITLES[-4:-1])

TECHNOLOGIES = (
    "Salesforce",
    "HubSpot",
    "Microsoft Dynamics 365",
    "Pipedrive",
    "Zoho CRM",
    "Sellsy",
    "Axonaut",
    "Odoo",
    "Excel",
    "Sage CRM",
    "Aucun CRM",
)
FREE_MAIL = ("gmail.com", "orange.fr", "hotmail.fr", "yahoo.fr", "free.fr", "outlook.fr")

# Trade shows: (name, months before "now"), shown as "<name> <year>".
TRADE_SHOWS = (
    ("Salon Solutions CRM", 16),
    ("VivaTech", 13),
    ("Big Data & AI Paris", 10),
    ("Salon e-Marketing Paris", 7),
    ("Salon des Entrepreneurs Lyon", 4),
    ("VivaTech", 1),
)
WHITE_PAPERS = (
    "Livre blanc – Piloter son pipeline commercial",
    "Livre blanc – Du MQL au SQL sans friction",
    "Guide – Choisir son CRM en 2025",
    "Étude – Les SLA marketing/ventes",
    "Webinar – L'IA au service de la prospection",
)
PAID_CAMPAIGNS = (
    "Google Ads – Logiciel CRM B2B",
    "LinkedIn Ads – Directeurs commerciaux",
    "LinkedIn Ads – DSI ETI",
    "Capterra – Comparatif CRM",
)
OTHER_TAGS = ("abm-eti", "secteur-public", "partenaire-integrateur", "newsletter", "webinar")

NEEDS = (
    "Centraliser le suivi des leads entre marketing et commerciaux",
    "Remplacer les fichiers Excel de suivi du pipeline",
    "Fin de contrat avec l'éditeur actuel dans 6 mois",
    "Équiper une équipe commerciale en croissance",
    "Mesurer les taux de conversion par campagne",
    "Mettre en place des SLA entre SDR et commerciaux",
    "Unifier les comptes clients après une acquisition",
    "Suivre les appels d'offres et les renouvellements",
)
SUPPORT_NEEDS = (
    "Aide au paramétrage de leur CRM actuel",
    "Formation des utilisateurs à la gestion des leads",
    "Reprise de données depuis l'ancien outil",
)
DISQUALIFICATION_TEXTS = {
    "no_project": "simple veille, aucun projet identifié",
    "no_budget": "pas de budget avant l'an prochain",
    "competitor_customer": "sous contrat avec un concurrent jusqu'en 2027",
    "wrong_contact": "interlocuteur sans lien avec le sujet",
    "spam": "adresse jetable, formulaire rempli au hasard",
    "duplicate": "doublon d'une fiche déjà suivie",
    "other": "société en cours de liquidation",
}
REQUALIFICATION_REASONS = (
    "Budget non validé avant le prochain exercice : à renourrir",
    "Interlocuteur sans pouvoir de décision, projet à relancer plus tard",
    "Projet repoussé de six mois par la direction",
)
RECYCLING_REASONS = (
    "Nouveau signal : téléchargement d'un livre blanc",
    "Changement de direction commerciale, projet relancé",
    "A rouvert l'e-mail de relance et demandé des informations",
)
NURTURING_REASONS = (
    "Pas de projet à court terme, à suivre en nurturing",
    "Intéressé mais trop tôt : recontacter au prochain trimestre",
)

OPPORTUNITY_NAMES = {
    "new_business": (
        "Projet de migration CRM – {company}",
        "Déploiement CRM commercial – {company}",
        "Refonte du pilotage commercial – {company}",
        "Centralisation des leads – {company}",
    ),
    "rfp": ("Appel d'offres CRM – {company}", "Consultation outil commercial – {company}"),
    "upsell": ("Upgrade vers plan Pro – {n} licences", "Extension à {n} utilisateurs"),
    "cross_sell": ("Module marketing automation", "Connecteur ERP", "Portail partenaires"),
    "renewal": ("Renouvellement contrat {year}",),
    "extension": ("Extension filiale {city}", "Déploiement équipe support"),
    "service": (
        "Accompagnement paramétrage CRM – {company}",
        "Formation des équipes – {company}",
        "Reprise de données – {company}",
    ),
}
CALL_SUMMARIES = {
    "reached": "Échange avec le prospect : contexte et besoins recueillis",
    "no_answer": "Pas de réponse",
    "voicemail": "Message laissé sur la messagerie",
    "bounced": "E-mail revenu en erreur",
    "meeting_booked": "Rendez-vous de découverte planifié",
}
