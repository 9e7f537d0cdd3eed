"""Response models: the exact JSON contract of the search API (and its OpenAPI document)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from kb.articles import SLUG_PATTERN
from kb.departments import Contact
from kb.questions import Kind
from search_api.edge import NOT_BLANK_PATTERN

#: A search's id in the search log (`SearchResponse.search_id`): uuid4 as 32 hexadecimal digits
SEARCH_ID_PATTERN = r"^[0-9a-f]{32}$"


class Answer(BaseModel):
    text: str
    article_id: str
    title: str = Field(description="The title of the article the answer comes from")
    section: str


class RoutedDepartment(BaseModel):
    id: str
    name: str
    description: str = Field(description="What the department or outside body does, in plain Dutch")
    external: bool = Field(description="True for a body outside the municipality (Belastingdienst, UWV, ...)")
    confidence: float = Field(ge=0, le=1)
    contact: Contact


class Alternative(BaseModel):
    id: str
    name: str
    probability: float = Field(ge=0, le=1)


class RoutingInfo(BaseModel):
    status: Literal["routed", "ambiguous", "off_topic"]
    reason: str = Field(description="Plain-Dutch explanation of the routing decision")
    alternatives: list[Alternative] = Field(default_factory=list, description="Most likely departments when unsure")
    in_scope: float = Field(
        ge=0.0,
        le=1.0,
        description="Probability that the knowledge base covers the question (the in-scope model fitted on the "
        "labelled questions; 1.0 for an article's exact title or keyword). The status is off_topic below "
        "`in_scope_threshold`; a website may hide the results of a question far below it",
    )
    in_scope_threshold: float = Field(ge=0.0, le=1.0, description="The fitted off-topic threshold in use")


class Result(BaseModel):
    article_id: str
    title: str
    department_id: str
    upl: list[str]
    section: str
    snippet: str
    score: float


class StaffResult(Result):
    staff_notes: str | None = Field(None, description="The article's `Voor medewerkers` section (staff view only)")


class SpellingCorrection(BaseModel):
    original: str
    suggestion: str


class DepartmentOut(BaseModel):
    id: str
    name: str
    description: str
    external: bool
    contact: Contact


class LanguageNotice(BaseModel):
    lang: str = Field(description="The language of the text (ISO 639-1), for the `lang` attribute")
    dir: Literal["ltr", "rtl"] = Field(description="The writing direction, for the `dir` attribute")
    text: str = Field(description="One line saying that the information is in Dutch, with the municipality's phone number")


class SearchResponse(BaseModel):
    query: str
    answer: Answer | None
    department: RoutedDepartment | None
    routing: RoutingInfo
    language: str | None = Field(description="Detected language of the question (ISO 639-1), null when unclear")
    notice: LanguageNotice | None = Field(
        None, description="For a question in another language than Dutch: one line in that language to show above the answer"
    )
    corrections: list[SpellingCorrection] = Field(
        default_factory=list, description="Misspelled words that were also searched as the suggested word"
    )
    results: list[Result]
    general_desk: DepartmentOut | None = Field(
        None, description="The municipality's general desk, when no department fits the question (off-topic or nothing found)"
    )
    took_ms: float
    search_id: str | None = Field(
        None, description="The search in the search log (a random id): send it with a click (`POST /clicks`) or "
        "feedback (`POST /feedback`) on this answer. Null when the search is not logged",
    )


class StaffSearchResponse(SearchResponse):
    results: list[StaffResult]  # type: ignore[assignment]  # narrower than the public response's


class ArticleSummary(BaseModel):
    id: str
    title: str
    department_id: str
    upl: list[str]


class ArticleSection(BaseModel):
    heading: str
    markdown: str
    text: str


class ArticleDetail(ArticleSummary):
    audience: list[str]
    reviewed: str
    sections: list[ArticleSection]


class StaffArticleDetail(ArticleDetail):
    owner: str
    questions: list[str]
    keywords: list[str]
    staff_notes: ArticleSection | None


class Health(BaseModel):
    """The state of the service and of its index, as the store holds it."""

    status: Literal["ok", "degraded", "starting", "error"] = Field(
        description="`ok`: searches answer from an index that matches the content. `degraded`: searches answer, "
        "but the index differs from the valid articles (some missing, incomplete, not updated, or removed but "
        "still found); `detail` says which, and a re-index repairs it (HTTP 200 all the same). `starting`: the "
        "index is loading (503). `error`: the service could not start, `detail` says why (503)"
    )
    ready: bool = Field(description="Searches can be answered")
    model: str
    store: str
    articles_indexed: int = Field(description="Articles that searches find: counted in the store, each with all its chunks")
    chunks_indexed: int = Field(description="The chunks of those articles in the store")
    detail: str | None = Field(None, description="Why the status is `degraded` (in plain Dutch) or `error`")


#: At most this many articles in one re-index request; the whole knowledge base: no list.
MAX_REINDEX_ARTICLES = 100


class ReindexRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    article_ids: list[Annotated[str, Field(pattern=SLUG_PATTERN, max_length=120)]] | None = Field(
        None,
        max_length=MAX_REINDEX_ARTICLES,
        description="Only these articles (ids as in the front matter, never paths); all when omitted",
    )


class ReindexResponse(BaseModel):
    added: list[str]
    updated: list[str]
    removed: list[str]
    unchanged: int
    chunks_written: int
    chunks_embedded: int | None = Field(
        None, description="Of the chunks written, how many the model embedded; the others had the same text before "
        "and kept their vectors"
    )
    seconds: float
    invalid_files: list[str] = Field(
        description="Files with validation errors, relative to the content folder; their indexed version is kept"
    )
    problems: list[str] = Field(
        default_factory=list, description="Each validation error of those files as `file:line: reason`"
    )


#: The longest article text accepted (the longest shipped article has under 5,000 characters)
MAX_ARTICLE_CHARS = 50_000


class ArticleText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, max_length=MAX_ARTICLE_CHARS, description="The whole Markdown file: front matter and body"
    )


class NewArticle(ArticleText):
    id: str = Field(pattern=SLUG_PATTERN, max_length=120, description="The article's id: its file name without `.md`")


class ArticleSaved(BaseModel):
    id: str
    file: str = Field(description="The file, relative to the content folder")
    warnings: list[str] = Field(description="What `kb validate` warns about, as `regel N: reason`")
    index: ReindexResponse | None = Field(description="The re-index of the article; none for a new article")


class ArticleRetired(BaseModel):
    id: str
    file: str = Field(description="Where the file went, relative to the folder above the content folder")
    index: ReindexResponse


class WhoAmI(BaseModel):
    role: Literal["staff", "editor", "admin"]


class EvalStatus(BaseModel):
    running: bool
    last: str | None = Field(None, description="Name of the newest report an evaluation from the console wrote")
    error: str | None = None


class ReportSummary(BaseModel):
    name: str
    generated: str
    overall: dict[str, float | int | None]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("mag niet leeg zijn")
    return value


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(
        min_length=1, max_length=500, description="The question that was asked",
        json_schema_extra={"pattern": NOT_BLANK_PATTERN},
    )
    article_id: str | None = Field(
        None, pattern=SLUG_PATTERN, max_length=120,
        description="The article the answer came from; null when nothing was found",
    )
    department_id: str | None = Field(None, pattern=r"^[a-z0-9_]+$", max_length=60, description="The department that was shown")
    helpful: StrictBool = Field(description="nuttig (true) / niet nuttig (false)")
    comment: str | None = Field(None, max_length=1000, description="Optional remark for the editors")
    search_id: str | None = Field(
        None, pattern=SEARCH_ID_PATTERN, description="The `search_id` of the answer from `GET /search`, when known",
    )

    _query_not_blank = field_validator("query")(_not_blank)


class FeedbackRecord(BaseModel):
    time: str
    query: str = Field(description="As asked, with personal data masked")
    article_id: str | None
    department_id: str | None
    helpful: bool
    comment: str | None
    channel: Literal["staff", "web"]
    search_id: str | None = Field(None, description="The search the feedback is about, when known")


#: Highest result position a click may name (1 is the first result; 0 the answer's own link)
MAX_CLICK_POSITION = 100


class ClickIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    search_id: str = Field(pattern=SEARCH_ID_PATTERN, description="The `search_id` of the answer from `GET /search`")
    article_id: str = Field(pattern=SLUG_PATTERN, max_length=120, description="The article that was opened")
    position: int = Field(
        ge=0, le=MAX_CLICK_POSITION, description="Where it was shown: 1 for the first result, 0 for the answer's link",
    )

    @field_validator("position", mode="before")
    @classmethod
    def _a_json_integer(cls, value: object) -> object:
        """A JSON integer (2 or 2.0), never a string or a boolean."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
            raise ValueError("moet een geheel getal zijn")
        return int(value)


class ArticleFeedback(BaseModel):
    article_id: str | None
    helpful: int
    not_helpful: int


class FeedbackOverview(BaseModel):
    per_article: list[ArticleFeedback]
    recent: list[FeedbackRecord]


class UnansweredSearch(BaseModel):
    query: str = Field(description="As asked, with personal data masked")
    count: int
    first_seen: str
    last_seen: str
    status: str = Field(description="`off_topic`: no information found; `no_results`: no article at all")
    language: str | None
    top_article: str | None


Outcome = Literal["routed", "ambiguous", "off_topic", "no_results"]


class OutcomeCounts(BaseModel):
    routed: int = Field(description="Sent to a department")
    ambiguous: int = Field(description="\"Bedoelt u ...?\": more than one department fitted")
    off_topic: int = Field(description="\"Geen informatie\": the knowledge base does not cover it")
    no_results: int = Field(description="No article found at all")


class DayCount(OutcomeCounts):
    day: date = Field(description="A day (UTC)")
    searches: int


class OutcomeShare(BaseModel):
    outcome: Outcome
    searches: int
    share: float = Field(ge=0, le=1, description="Of the period's searches")
    searches_before: int = Field(description="In the period of the same length just before")
    share_before: float = Field(ge=0, le=1)
    change_points: float = Field(description="share - share_before, in percentage points")


class DepartmentShare(BaseModel):
    department_id: str | None = Field(description="None: no department was named (off-topic, nothing found, \"Bedoelt u\")")
    name: str
    searches: int
    share: float = Field(ge=0, le=1)


class Phrasing(BaseModel):
    text: str = Field(description="As a citizen typed it, personal data masked")
    searches: int


class QuestionGroup(BaseModel):
    question: str = Field(description="The group's name: its most asked phrasing")
    searches: int
    variants: int = Field(description="Different phrasings in the group (by their normalised form)")
    phrasings: list[Phrasing] = Field(description="The most asked phrasings, most asked first (up to ten)")
    outcomes: OutcomeCounts
    unsure: int = Field(description="Searches answered with \"Bedoelt u ...?\" or a department chosen with low confidence")
    not_helpful: int = Field(description="Searches whose answer was called not useful")
    troubled: int = Field(description="Searches with any of: nothing found, \"geen informatie\", unsure, not useful")
    department_id: str | None = Field(description="Where most of its searches were sent")
    department: str | None = Field(description="That department's name")


class Gap(QuestionGroup):
    problem: Literal["not_found", "not_helpful", "unsure"] = Field(
        description="What went wrong most: `not_found` (nothing found or \"geen informatie\"), `not_helpful`, `unsure`",
    )


class ArticleClickThrough(BaseModel):
    article_id: str
    title: str
    shown_first: int = Field(description="Searches that had it as first result")
    opened_share: float | None = Field(ge=0, le=1, description="Of those, the share where a result was opened")
    opened: int = Field(description="Times the article itself was opened, from any search")
    mean_position: float | None = Field(description="Where it was when opened: 0 the answer's link, 1 the first result")


class InsightComment(BaseModel):
    time: str = Field(description="UTC, ISO 8601")
    helpful: bool
    question: str = Field(description="The question it was about, personal data masked")
    comment: str = Field(description="Personal data masked")


class ArticleFeedbackInsight(BaseModel):
    article_id: str | None
    title: str
    helpful: int
    not_helpful: int
    comments: list[InsightComment] = Field(description="The newest remarks, newest first (up to five)")


class PositionCount(BaseModel):
    position: int = Field(description="0: the answer's link, 1: the first result, ...")
    clicks: int


class Insight(BaseModel):
    """What citizens asked in a period, for the editors (`GET /quality/insight`)."""

    since: date
    until: date = Field(description="Included")
    days: int
    since_before: date = Field(description="The period of the same length just before, to compare with")
    until_before: date
    searches: int
    searches_before: int
    per_day: list[DayCount] = Field(description="Every day of the period, also the days without searches")
    outcomes: list[OutcomeShare]
    departments: list[DepartmentShare] = Field(description="Most searches first")
    opened_share: float | None = Field(ge=0, le=1, description="Share of the searches where a result was opened")
    click_positions: list[PositionCount]
    questions: int = Field(description="Different questions (normalised) in the period")
    grouped_questions: int = Field(description="How many of them were grouped by meaning: the most asked, capped")
    grouped_searches: int = Field(description="The searches of the grouped questions")
    groups: list[QuestionGroup] = Field(description="Questions grouped by meaning, most searches first")
    gaps: list[Gap] = Field(description="Groups where most searches went wrong, most searches first")
    click_through: list[ArticleClickThrough] = Field(description="Most often first result first")
    feedback: list[ArticleFeedbackInsight] = Field(description="Most \"niet nuttig\" first")


class NewEvalQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str = Field(min_length=1, max_length=500, json_schema_extra={"pattern": NOT_BLANK_PATTERN})
    expected: list[Annotated[str, Field(pattern=SLUG_PATTERN, max_length=120)]] = Field(
        default_factory=list, max_length=20, description="Article ids that answer it, best first; empty: off-topic",
    )
    kind: Kind

    _q_not_blank = field_validator("q")(_not_blank)


class EvalQuestionOut(NewEvalQuestion):
    department: str | None
    split: Literal["dev", "test"]
    source: str = Field(description="`console`: reported apart from the written question sets")


class Suggestion(BaseModel):
    text: str = Field(description="What to show: the article's title, one of its keywords or an example question")
    kind: Literal["title", "keyword", "question"]
    article_id: str = Field(description="The article the suggestion leads to")
    title: str = Field(description="That article's title")


class SuggestResponse(BaseModel):
    query: str
    suggestions: list[Suggestion] = Field(description="Best first, one per article; empty when nothing matches")
