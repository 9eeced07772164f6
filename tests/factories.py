"""Data the tests make for themselves: a small instrument, «world», with each shape of measure a test needs, so that
an amendment to a real roadmap breaks only the tests about that roadmap.

Its organizations are the registry's (roadmaps/organizations.yaml: МТСЗН, МЮ, РОП, РОР, the group МИО and its 20
akimats). The `world` fixture (conftest) gives a database copied from a template where it is synced.
"""

from pathlib import Path

KEY = "world"

#: measure number → what it is there for
MEASURES = {
    "1.1": "yearly (period 2025), a lead and two co-executors «по согласованию»",
    "1.2": "every half-year (2025-H1 …), the lead and the group МИО (20 akimats)",
    "1.3": "event-driven: no checkpoint until a secretary opens one",
    "1.4": "one quarter (2025-Q1), the lead and МИО",
    "2.1": "half a year (2025-H1), led by МЮ with МТСЗН",
}

YAML = f"""\
instrument:
  key: {KEY}
  kind: roadmap
  title: {{ru: "Тестовая дорожная карта", kk: "Сынақ жол картасы", en: "Test roadmap"}}
  valid_from: 2025-01-01
  valid_to: 2026-12-31
  parties: [МТСЗН, РОП, РОР]
  completeness: complete
  public: true
sections:
  - number: "1"
    title: {{ru: "Мониторинг"}}
    obligations:
      - number: "1.1"
        text: "Совершенствование системы мониторинга"
        result: "Справка"
        deadline: "В течение 2025 года"
        owners: ["МТСЗН", "РОП (по согласованию)", "РОР (по согласованию)"]
      - number: "1.2"
        text: "Проведение мониторинга в регионах"
        result: "Аналитическая справка"
        deadline: "1 раз в полугодие"
        owners: ["МТСЗН", "МИО", "РОР (по согласованию)"]
      - number: "1.3"
        text: "Предоставление доступа к данным мониторинга"
        result: "Доступ"
        deadline: "По мере поступления запроса"
        owners: ["МТСЗН"]
      - number: "1.4"
        text: "Комплексный анализ рисков"
        result: "Аналитическая справка"
        deadline: "1-квартал 2025 года"
        owners: ["МТСЗН", "МИО"]
  - number: "2"
    title: {{ru: "Правовые меры"}}
    obligations:
      - number: "2.1"
        text: "Подготовка предложений по изменению законодательства"
        result: "Предложения"
        deadline: "1-полугодие 2025 года"
        owners: ["МЮ", "МТСЗН"]
"""


def measure(number: str) -> str:
    """The key of one of the world's measures (`measure("1.1")` → "world/1.1")."""
    assert number in MEASURES, number
    return f"{KEY}/{number}"


def write_world(folder: Path) -> Path:
    """The world's roadmap file in `folder` (beside an organizations.yaml)."""
    path = folder / f"{KEY}.yaml"
    path.write_text(YAML, encoding="utf-8")
    return path
