# ruff: noqa: RUF001  (French is written with its own apostrophe, U+2019)
"""The demo's customers in four languages: some read German, French or Spanish; the delivery
survey and the default canned messages are written in each (the other surveys and the topic
apologies are not, so the fallback to English shows too)."""

from feedback_app.customers.models import Customer
from feedback_app.customers.services.profile import customer_update
from recovery.models import CannedMessage
from surveys.models import Survey
from surveys.services.building import survey_translations_save

SIGN = {
    "de": "{{ agent_name }}\nKundenservice von {{ company_name }}",
    "fr": "{{ agent_name }}\nService client {{ company_name }}",
    "es": "{{ agent_name }}\nAtención al cliente de {{ company_name }}",
}
HELLO = {
    "de": "Guten Tag {{ first_name|default:'' }},",
    "fr": "Bonjour {{ first_name|default:'' }},",
    "es": "Hola, {{ first_name|default:'' }}:",
}
CANNED = {
    "apology": {
        "de": (
            "Es tut uns leid",
            "Es tut mir leid.{% if their_words %} Sie schrieben uns: „{{ their_words }}“{% endif %}"
            " So etwas hätten Sie von uns nicht erleben dürfen, und es war unser Fehler, nicht "
            "Ihrer.\n\nIch kümmere mich selbst darum und schreibe Ihnen in Kürze, was wir "
            "unternehmen.",
        ),
        "fr": (
            "Toutes nos excuses",
            "Je suis désolé.{% if their_words %} Vous nous avez écrit : « {{ their_words }} »"
            "{% endif %} Ce n’est pas ce que vous deviez recevoir de notre part, et l’erreur est "
            "la nôtre, pas la vôtre.\n\nJe m’en occupe personnellement et vous écrirai très "
            "bientôt pour vous dire ce que nous faisons.",
        ),
        "es": (
            "Le pedimos disculpas",
            "Lo siento.{% if their_words %} Usted nos escribió: «{{ their_words }}»{% endif %} "
            "No es lo que debería haber recibido de nosotros, y el error fue nuestro, no suyo."
            "\n\nMe ocupo de ello personalmente y le escribiré muy pronto para contarle qué "
            "estamos haciendo.",
        ),
    },
    "reassurance": {
        "de": (
            "Was schiefgelaufen ist und was wir geändert haben",
            "Wir haben gefunden, was schiefgelaufen ist: {{ cause }}\n\nDamit es nicht wieder "
            "vorkommt: {{ corrective_action }}\n\nDanke für Ihren Hinweis; so finden wir solche "
            "Fehler.",
        ),
        "fr": (
            "Ce qui n’a pas marché, et ce que nous avons changé",
            "Nous avons trouvé ce qui n’a pas marché : {{ cause }}\n\nPour que cela ne se "
            "reproduise pas : {{ corrective_action }}\n\nMerci de nous l’avoir signalé ; c’est "
            "ainsi que nous trouvons ces problèmes.",
        ),
        "es": (
            "Qué falló y qué hemos cambiado",
            "Hemos encontrado qué falló: {{ cause }}\n\nPara que no vuelva a ocurrir: "
            "{{ corrective_action }}\n\nGracias por avisarnos; así es como encontramos estos "
            "fallos.",
        ),
    },
    "restitution": {
        "de": (
            "Eine kleine Wiedergutmachung",
            "Als Entschädigung für den Ärger erhalten Sie von uns {{ restitution }}."
            "{% if note %} {{ note }}{% endif %}",
        ),
        "fr": (
            "Un geste pour nous faire pardonner",
            "Pour nous faire pardonner, nous vous offrons {{ restitution }}."
            "{% if note %} {{ note }}{% endif %}",
        ),
        "es": (
            "Algo para compensarle",
            "Para compensarle por las molestias, le damos {{ restitution }}."
            "{% if note %} {{ note }}{% endif %}",
        ),
    },
}
# The delivery survey: its own texts, then each question's prompt (and options), in order.
DELIVERY = {
    "de": {
        "intro": "Ihre Bestellung ist vor Kurzem angekommen. Erzählen Sie uns, wie die Lieferung "
        "lief, ob gut oder schlecht.",
        "thank_you": "Danke für Ihre Rückmeldung.",
        "thank_you_detractor": "Es tut uns leid, dass die Lieferung Sie enttäuscht hat.",
        "thank_you_passive": "Danke. Wir arbeiten an dem, was daraus eine Zehn machen würde.",
        "thank_you_promoter": "Danke, das freut uns sehr. Wenn Sie eine Minute haben: Andere "
        "Kundinnen und Kunden würden es auch gern hören.",
        "questions": [
            ("Wie wahrscheinlich ist es, dass Sie uns Freunden oder Kollegen empfehlen?", []),
            ("Was ist schiefgelaufen?", []),
            (
                "Was hat Ihnen am besten gefallen?",
                ["Schnelle Lieferung", "Sorgfältige Verpackung", "Einfache Sendungsverfolgung",
                 "Freundlicher Fahrer"],
            ),
            (
                "Kam Ihre Bestellung am versprochenen Tag an?",
                ["Ja", "Nein, sie kam zu spät", "Sie ist nicht angekommen"],
            ),
            ("Wie spät kam sie, und hat Ihnen jemand Bescheid gegeben?", []),
            ("Wie zufrieden sind Sie mit dem Zustand Ihrer Bestellung?", []),
            ("Was ist das eine, das wir besser machen sollten?", []),
        ],
    },
    "fr": {
        "intro": "Votre commande vous est parvenue récemment. Dites-nous comment s’est passée la "
        "livraison, en bien ou en mal.",
        "thank_you": "Merci de nous avoir répondu.",
        "thank_you_detractor": "Nous sommes désolés que la livraison vous ait déçu.",
        "thank_you_passive": "Merci. Nous travaillons sur ce qui en ferait un dix pour vous.",
        "thank_you_promoter": "Merci, vous avez fait notre journée. Si vous avez une minute, "
        "d’autres clients aimeraient aussi le lire.",
        "questions": [
            ("Quelle est la probabilité que vous nous recommandiez à un ami ou un collègue ?", []),
            ("Qu’est-ce qui n’a pas marché ?", []),
            (
                "Qu’avez-vous le plus apprécié ?",
                ["Livraison rapide", "Emballage soigné", "Suivi facile", "Livreur aimable"],
            ),
            (
                "Votre commande est-elle arrivée le jour promis ?",
                ["Oui", "Non, elle était en retard", "Elle n’est pas arrivée"],
            ),
            ("Quel retard avait-elle, et vous a-t-on prévenu ?", []),
            ("Êtes-vous satisfait de l’état de votre commande ?", []),
            ("Quelle est la chose que nous devrions améliorer ?", []),
        ],
    },
    "es": {
        "intro": "Su pedido le llegó hace poco. Cuéntenos cómo fue la entrega, para bien o "
        "para mal.",
        "thank_you": "Gracias por contárnoslo.",
        "thank_you_detractor": "Sentimos que la entrega le haya decepcionado.",
        "thank_you_passive": "Gracias. Trabajamos en lo que lo convertiría en un diez para "
        "usted.",
        "thank_you_promoter": "Gracias, nos ha alegrado el día. Si tiene un minuto, a otros "
        "clientes también les gustaría leerlo.",
        "questions": [
            ("¿Qué probabilidad hay de que nos recomiende a un amigo o colega?", []),
            ("¿Qué falló?", []),
            (
                "¿Qué es lo que más le gustó?",
                ["Entrega rápida", "Embalaje cuidadoso", "Seguimiento fácil",
                 "Repartidor amable"],
            ),
            (
                "¿Llegó su pedido el día prometido?",
                ["Sí", "No, llegó tarde", "No ha llegado"],
            ),
            ("¿Cuánto se retrasó, y alguien se lo avisó?", []),
            ("¿Qué tan satisfecho está con el estado de su pedido?", []),
            ("¿Qué es lo único que deberíamos mejorar?", []),
        ],
    },
}  # fmt: skip


def load_languages(customers: list[Customer], surveys: dict[str, Survey]) -> int:
    """Give every tenth customer German, French or Spanish (in turn), and write the delivery
    survey and the default canned messages in those languages. Returns how many customers read
    a language other than English."""
    others = ("de", "fr", "es")
    changed = 0
    for n, customer in enumerate(customers):
        if n % 10 in (3, 6, 8) and customer.language == "en":
            customer_update(customer=customer, language=others[(n // 10) % 3])
            changed += 1
    for step, languages in CANNED.items():
        message = CannedMessage.objects.filter(step=step, topic=None).first()
        if message is not None and not message.translations:
            message.translations = {
                code: {"subject": subject, "body": f"{HELLO[code]}\n\n{body}\n\n{SIGN[code]}"}
                for code, (subject, body) in languages.items()
            }
            message.save(update_fields=["translations", "updated_at"])
    survey = surveys.get("After delivery")
    if survey is not None and not survey.translations:
        questions = list(survey.questions.order_by("position", "id"))
        for code, texts in DELIVERY.items():
            survey_translations_save(
                survey=survey,
                language=code,
                texts={k: v for k, v in texts.items() if k != "questions"},
                questions={
                    q.pk: {"prompt": prompt, "choices": choices}
                    for q, (prompt, choices) in zip(questions, texts["questions"], strict=True)
                },
            )
    return changed
