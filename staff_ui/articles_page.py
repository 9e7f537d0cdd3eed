"""Artikelen: editors list, edit, check, save, create and retire articles.

The console edits the text of the Markdown files in `kb/content/` (the front matter through
ruamel round trip, so a save is a clean diff) and hands it to the API, which checks it, writes the
file and re-indexes the article: the change is searchable within seconds. The console writes no
file itself. An article that fails validation is not saved; what was typed stays in the form.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from indexer.validate import REVIEW_MAX_AGE, ValidationReport, validate_knowledge_base
from kb.articles import Article, iter_article_paths
from kb.departments import load_departments
from kb.life_events import LifeEventsError, load_life_events
from kb.settings import Settings
from kb.upl import load_upl
from staff_ui.api_client import ApiClient, ApiError
from staff_ui.editor import UPL_PREFIX, ArticleSource, check, new_article_text

AUDIENCES = ["burger", "ondernemer"]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@st.cache_resource(show_spinner="Artikelen controleren ...", max_entries=4)
def _validated(_settings: Settings, content_dir: str, signature: tuple) -> ValidationReport:
    """The knowledge base's validation (about 3 s), redone only when an article file changed:
    Streamlit reruns this page on every keystroke in the editor."""
    return validate_knowledge_base(_settings)


def _signature(settings: Settings) -> tuple:
    return tuple((path.name, path.stat().st_mtime_ns, path.stat().st_size) for path in iter_article_paths(settings.content_dir))


def render(client: ApiClient, settings: Settings) -> None:
    st.title("Artikelen")
    report = _validated(settings, str(settings.content_dir), _signature(settings))
    articles = {article.id: article for article in report.articles}
    departments = load_departments(settings.departments_file)
    warnings_by_file: dict[str, int] = {}
    for problem in report.problems:
        warnings_by_file[problem.path.stem] = warnings_by_file.get(problem.path.stem, 0) + 1
    if report.errors:
        st.error(f"{len(report.errors)} fouten in de kennisbank: " + "; ".join(str(p) for p in report.errors[:5]))

    _article_list(articles, departments, warnings_by_file)
    _new_article_form(client, settings, departments)

    options = sorted(articles)
    if not options:
        return
    chosen = st.selectbox("Artikel openen", options, key="edit_id", format_func=lambda i: f"{articles[i].meta.title} ({i})")
    if chosen:
        _editor(client, settings, articles[chosen], departments, report.articles)


def _article_list(articles: dict[str, Article], departments, warnings_by_file: dict[str, int]) -> None:
    today = dt.date.today()
    columns = st.columns(4)
    department = columns[0].selectbox("Afdeling", ["(alle)", *departments], key="filter_department")
    owners = sorted({article.meta.owner for article in articles.values()})
    owner = columns[1].selectbox("Eigenaar", ["(alle)", *owners], key="filter_owner")
    overdue = columns[2].checkbox("Review te laat", key="filter_overdue")
    with_warnings = columns[3].checkbox("Met waarschuwingen", key="filter_warnings")
    rows = []
    for article in sorted(articles.values(), key=lambda a: a.id):
        meta = article.meta
        late = today - meta.reviewed > REVIEW_MAX_AGE
        if department != "(alle)" and meta.department != department:
            continue
        if owner != "(alle)" and meta.owner != owner:
            continue
        if overdue and not late:
            continue
        if with_warnings and not warnings_by_file.get(article.id):
            continue
        rows.append({
            "id": article.id,
            "titel": meta.title,
            "afdeling": meta.department,
            "eigenaar": meta.owner,
            "review": meta.reviewed.isoformat(),
            "te laat": late,
            "waarschuwingen": warnings_by_file.get(article.id, 0),
        })
    st.caption(f"{len(rows)} van {len(articles)} artikelen")
    st.dataframe(rows, hide_index=True, width="stretch", height=240)


def _editor(client: ApiClient, settings: Settings, article: Article, departments, others: list[Article]) -> None:
    source = ArticleSource.parse(article.path.read_text(encoding="utf-8"))
    meta = article.meta
    key = f"edit-{article.id}"
    st.subheader(meta.title)
    left, right = st.columns(2)
    with left:
        title = st.text_input("Titel", meta.title, key=f"{key}-title")
        department_ids = list(departments)
        department = st.selectbox("Afdeling", department_ids, index=department_ids.index(meta.department), key=f"{key}-department")
        upl = st.text_area("UPL-URI's (één per regel, de eerste is het hoofdproduct)", "\n".join(meta.upl), key=f"{key}-upl")
        questions = st.text_area("Voorbeeldvragen (één per regel)", "\n".join(meta.questions), key=f"{key}-questions")
        english = st.text_area(
            "Engelse voorbeeldvragen (één per regel, mag leeg)", "\n".join(meta.english_questions), key=f"{key}-english"
        )
        keywords = st.text_input("Zoekwoorden (met komma's)", ", ".join(meta.keywords), key=f"{key}-keywords")
        audience = st.multiselect("Doelgroep", AUDIENCES, default=list(meta.audience), key=f"{key}-audience")
        life_events = _life_events_field(settings, meta.life_events, key)
        owner = st.text_input("Eigenaar", meta.owner, key=f"{key}-owner")
        reviewed = st.date_input("Laatst gecontroleerd", meta.reviewed, key=f"{key}-reviewed")
        body = st.text_area("Tekst (Markdown)", source.body, height=420, key=f"{key}-body")

    source.update(
        title=title,
        department=department,
        upl=_lines(upl),
        questions=_lines(questions),
        english_questions=_lines(english),
        keywords=[word.strip() for word in keywords.split(",") if word.strip()],
        # a single audience stays a plain value when the file had one
        audience=audience[0] if len(audience) == 1 and not isinstance(source.front.get("audience"), list) else audience,
        life_events=life_events,
        owner=owner,
        reviewed=reviewed,
    )
    source.body = body
    text = source.text()
    problems = check(text, article.path, settings, others)
    with right:
        st.markdown("**Controle**")
        errors = [p for p in problems if p.severity == "error"]
        if not problems:
            st.success("Geen fouten of waarschuwingen.")
        for problem in problems:
            (st.error if problem.severity == "error" else st.warning)(f"regel {problem.line}: {problem.message}")
        st.markdown("**Voorbeeld**")
        with st.container(border=True, height=560):
            st.markdown(f"# {title}\n{body}")

    save, retire = st.columns(2)
    if save.button("Opslaan en herindexeren", type="primary", key=f"{key}-save", disabled=bool(errors)):
        try:
            saved = client.save_article(article.id, text)
        except ApiError as exc:
            st.error(f"{exc.detail or exc} Uw wijzigingen staan nog in het formulier.")
            return
        report = saved["index"]
        st.success(f"Opgeslagen en geïndexeerd ({report['chunks_written']} stukken in {report['seconds']} s).")
    if retire.button("Artikel intrekken", key=f"{key}-retire"):
        st.session_state[f"{key}-confirm"] = True
    if st.session_state.get(f"{key}-confirm"):
        st.warning("Weet u het zeker? Het artikel verdwijnt uit de zoekresultaten (het bestand gaat naar `kb/retired/`).")
        if st.button("Ja, intrekken", key=f"{key}-retire-yes"):
            st.session_state.pop(f"{key}-confirm", None)
            try:
                retired = client.retire_article(article.id)
            except ApiError as exc:
                st.error(f"Niet ingetrokken: {exc.detail or exc}")
                return
            st.success(f"Ingetrokken: {retired['file']}")
            st.rerun()


def _life_events_field(settings: Settings, current: list[str], key: str) -> list[str]:
    """A choice from the list of life events; the article's own choice stays when the list
    cannot be read (validation then says why)."""
    try:
        events = {event.id: event.title for event in load_life_events(settings.life_events_file)}
    except LifeEventsError:
        st.caption("Levensgebeurtenissen: de lijst is niet te lezen; de keuze van het artikel blijft staan.")
        return list(current)
    options = [*events, *(event_id for event_id in current if event_id not in events)]
    return st.multiselect(
        "Levensgebeurtenissen (situaties waarin iemand dit nodig heeft)",
        options,
        default=list(current),
        key=f"{key}-life-events",
        format_func=lambda event_id: events.get(event_id, f"{event_id} (onbekend)"),
    )


def _new_article_form(client: ApiClient, settings: Settings, departments) -> None:
    if st.session_state.pop("new_article_created", False):  # the questions of the last one are used
        st.session_state.pop("new_questions", None)
        st.session_state.pop("new_article_open", None)
    # Inzicht opens it with the questions of a gap filled in
    with st.expander("Nieuw artikel", expanded=st.session_state.get("new_article_open", False)):
        products = {uri: p for uri, p in load_upl(settings.upl_file).items() if p.municipal}
        with st.form("new_article"):
            article_id = st.text_input("Id (kleine letters en streepjes, wordt de bestandsnaam)", key="new_id")
            title = st.text_input("Titel", key="new_title")
            department = st.selectbox("Afdeling", list(departments), key="new_department")
            uri = st.selectbox(
                "UPL-product (gemeentelijk)",
                sorted(products, key=lambda u: products[u].name),
                key="new_upl",
                format_func=lambda u: f"{products[u].name} ({u.removeprefix(UPL_PREFIX)})",
            )
            questions = st.text_area(
                "Voorbeeldvragen (één per regel; leeg: drie uit het sjabloon)", key="new_questions", height=140,
            )
            submitted = st.form_submit_button("Aanmaken")
        if submitted:
            if not article_id or not title:
                st.error("Vul een id en een titel in.")
                return
            contact = departments[department].contact
            contact_text = f"Bel {contact.phone} of mail naar {contact.email}."
            text = new_article_text(article_id, title, department, uri, contact_text, dt.date.today(), _lines(questions))
            try:
                created = client.create_article(article_id, text)
            except ApiError as exc:
                st.error(f"Niet aangemaakt: {exc.detail or exc}")
                return
            st.session_state["edit_id"] = article_id
            st.session_state["new_article_created"] = True
            st.success(f"Aangemaakt: {created['file']}. Vul de tekst aan en sla op om het te indexeren.")
            st.rerun()
