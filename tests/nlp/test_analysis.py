"""Entities, figures and quotes are the same whether found in this process or in a worker process."""
from advocacy.nlp.analysis import AnalysisRunner, TextItem

ITEMS = [
    TextItem("Oujda hospital turns migrants away",
             "Dr Karim Benali, who heads the emergency ward in Oujda, said 326 migrants were treated last month. "
             "“We cannot refuse anyone,” said Karim Benali. UNHCR and Médecins Sans Frontières called for "
             "free care.", "en"),
    TextItem("À Tanger, des familles expulsées",
             "Selon Aminata Traoré, 45 familles ont été expulsées à Tanger. « Nous n'avons nulle part où aller », "
             "a déclaré Aminata Traoré au HCR.", "fr"),
    TextItem("", "", "en"),
]


def test_a_worker_process_finds_what_this_process_finds():
    local = AnalysisRunner(workers=0).submit(ITEMS).result()
    runner = AnalysisRunner(workers=1)
    try:
        remote = runner.submit(ITEMS).result(timeout=300)
        again = runner.submit(ITEMS[:1]).result(timeout=60)  # the same worker answers the next batch
    finally:
        runner.close()
    assert remote == local
    assert again == local[:1]
    english = {entity.id for entity in local[0].entities}
    assert {"person:karim-benali", "place:oujda"} <= english
    assert any(figure.value == 326 for figure in local[0].figures)
    assert local[1].quotes and "Traoré" in local[1].quotes[0].speaker
    assert local[2].entities == local[2].figures == local[2].quotes == []
