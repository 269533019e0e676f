//! A deterministic synthetic news corpus, for benchmarks and tests at scale.
//!
//! Articles are written from this module's own sentence templates: mostly
//! filler about the economy, sanctions, trade, transport and the weather;
//! some sentences about officials the gazetteer knows, some introducing
//! officials it has never heard of (title and name, or name and
//! apposition), meetings in several phrasings, attendees, visits, and
//! decoys that must not become meetings (plans, phone calls, letters).
//! Articles open with a timestamp line, a wire dateline or nothing, and
//! carry a headline and, now and then, page furniture.
//!
//! Document `i` of a seed depends on nothing else, so a corpus can be
//! generated lazily, in chunks, on any number of threads, and always gives
//! the same bytes.
//!
//! ```
//! let a = cnkg::synth::document(cnkg::synth::SEED, 7);
//! let b = cnkg::synth::document(cnkg::synth::SEED, 7);
//! assert_eq!(a.text, b.text);
//! assert!(a.text.len() > 1000);
//! ```

use crate::extract::Document;

/// The seed the benchmark uses.
pub const SEED: u64 = 0x636e_6b67_2025;

/// Documents in the benchmark corpus (about 50 MB).
pub const BENCH_DOCS: usize = 20_000;

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p` percent.
    pub fn chance(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Which side a person is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    China,
    North,
    Other,
}

/// A person of an article: the full name, the short name used once they
/// are introduced, and how they are introduced.
#[derive(Debug, Clone)]
struct Person {
    name: String,
    short: String,
    side: Side,
    /// "Chinese Foreign Minister Wang Yi"
    intro: String,
}

/// People the gazetteer knows: (name, short name, side, title used before the name).
const KNOWN: &[(&str, &str, Side, &str)] = &[
    ("Xi Jinping", "Xi", Side::China, "Chinese President"),
    ("Wang Yi", "Wang", Side::China, "Chinese Foreign Minister"),
    ("Li Qiang", "Li", Side::China, "Chinese Premier"),
    (
        "Sun Weidong",
        "Sun",
        Side::China,
        "Chinese Vice Foreign Minister",
    ),
    (
        "Wang Yajun",
        "Wang",
        Side::China,
        "Chinese Ambassador to North Korea",
    ),
    (
        "Liu Jianchao",
        "Liu",
        Side::China,
        "Chinese Communist Party international department head",
    ),
    ("Zhao Leji", "Zhao", Side::China, "Chinese top legislator"),
    ("Kim Jong Un", "Kim", Side::North, "North Korean leader"),
    (
        "Choe Son Hui",
        "Choe",
        Side::North,
        "North Korean Foreign Minister",
    ),
    ("Pak Thae Song", "Pak", Side::North, "North Korean Premier"),
    (
        "Kim Song Nam",
        "Kim",
        Side::North,
        "North Korean party international department director",
    ),
    (
        "Ri Ryong Nam",
        "Ri",
        Side::North,
        "North Korean Ambassador to China",
    ),
    (
        "Sergey Lavrov",
        "Lavrov",
        Side::Other,
        "Russian Foreign Minister",
    ),
    ("Vladimir Putin", "Putin", Side::Other, "Russian President"),
    (
        "Cho Tae-yul",
        "Cho",
        Side::Other,
        "South Korean Foreign Minister",
    ),
];

const KO_SURNAMES: &[&str] = &[
    "Pak", "Ri", "Kim", "Choe", "Jon", "Ho", "Kang", "Ryu", "Han", "Hyon", "Yun", "Ko", "Jong",
    "Sin", "Paek",
];
const KO_SYLLABLES: &[&str] = &[
    "Chol", "Min", "Song", "Il", "Yong", "Hyok", "Nam", "Su", "Gwang", "Myong", "Jin", "Hui",
    "Chun", "Sok", "Ung", "Thae", "Gyong", "Hak", "Bom", "Ryong",
];
const ZH_SURNAMES: &[&str] = &[
    "Zhang", "Liu", "Chen", "Zhao", "Huang", "Zhou", "Xu", "Ma", "Gao", "Luo", "Zheng", "Tang",
    "Feng", "Deng", "Yuan",
];
const ZH_FIRST: &[&str] = &[
    "Wen", "Hai", "Jian", "Ming", "Guo", "Lei", "Ping", "Hong", "Jun", "Xiao", "Zhi", "Bo", "Rui",
    "Tao", "Qing",
];
const ZH_SECOND: &[&str] = &[
    "hai", "ming", "dong", "jun", "hua", "lin", "feng", "bin", "yu", "wei", "qiang", "chao",
    "tian", "song", "yan",
];
const RU_FIRST: &[&str] = &[
    "Alexei", "Dmitri", "Oleg", "Pavel", "Nikolai", "Andrei", "Yuri",
];
const RU_LAST: &[&str] = &[
    "Volkov", "Sorokin", "Belov", "Orlov", "Zaitsev", "Makarov", "Gromov", "Yegorov",
];

/// Titles before a name for officials the gazetteer does not know.
const NK_TITLES: &[&str] = &[
    "North Korean Vice Minister of External Economic Relations",
    "North Korean Vice Foreign Minister",
    "North Korean Minister of Foreign Trade",
    "North Korean Deputy Minister of Railways",
    "DPRK Ambassador to Laos",
    "North Korean Vice-Chairman of the Committee for Cultural Relations with Foreign Countries",
];
const ZH_TITLES: &[&str] = &[
    "Chinese Vice Minister of Commerce",
    "Chinese Assistant Foreign Minister",
    "Chinese Vice Minister of Culture and Tourism",
    "Chinese Ambassador to Laos",
    "Liaoning Provincial Party Secretary",
    "Chinese Special Representative on Korean Peninsula Affairs",
];
const RU_TITLES: &[&str] = &[
    "Russian Deputy Foreign Minister",
    "Russian Ambassador to China",
    "Russian Deputy Prime Minister",
];
/// Appositions after a name: ", <title> of <body>,".
const NK_APPOSITIONS: &[&str] = &[
    "vice-chairman of the Central Committee of the Workers' Party of Korea",
    "director of a department of the Ministry of Foreign Affairs of North Korea",
    "a member of the Political Bureau of the Central Committee of the Workers' Party of Korea",
    "vice-president of Kim Il Sung University",
    "chairman of the Pyongyang City People's Committee",
];
const ZH_APPOSITIONS: &[&str] = &[
    "deputy director of the International Liaison Department",
    "a senior researcher at the China Institute of International Studies",
    "vice chairman of the Standing Committee of the National People's Congress",
    "a professor at Peking University",
    "head of the General Administration of Customs of China",
];

const PLACES: &[(&str, Side)] = &[
    ("Beijing", Side::China),
    ("Pyongyang", Side::North),
    ("Dandong", Side::China),
    ("Shenyang", Side::China),
    ("Dalian", Side::China),
    ("Sinuiju", Side::North),
    ("Rason", Side::North),
    ("Wonsan", Side::North),
    ("Vladivostok", Side::Other),
    ("Moscow", Side::Other),
    ("Hanoi", Side::Other),
    ("Vientiane", Side::Other),
];
const VENUES: &[(&str, Side)] = &[
    ("Great Hall of the People", Side::China),
    ("Diaoyutai State Guesthouse", Side::China),
    ("Kumsusan Guesthouse", Side::North),
    ("Paekhwawon State Guesthouse", Side::North),
    ("Mansudae Assembly Hall", Side::North),
];
const AGENCIES: &[&str] = &[
    "Xinhua",
    "KCNA",
    "Yonhap",
    "the Korean Central News Agency",
    "Xinhua News Agency",
    "state media",
];
const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const GOODS: &[&str] = &[
    "fertiliser",
    "rice",
    "soybeans",
    "textiles",
    "wigs and false eyelashes",
    "machine parts",
    "seafood",
    "coal",
    "iron ore",
    "refined petroleum",
    "medical supplies",
    "tyres",
    "cement",
    "sugar",
    "flour",
];
const TOPICS: &[&str] = &[
    "economic cooperation",
    "border trade",
    "tourism",
    "agriculture",
    "public health",
    "railway links",
    "education exchanges",
    "fisheries",
    "energy supplies",
    "customs procedures",
];

/// Filler sentences: no person in them. `{n}`, `{m}`, `{w}`, `{g}`, `{g2}`,
/// `{p}`, `{t}` and `{y}` are filled in.
const FILLER: &[&str] = &[
    "Trade between the two countries rose {n} percent in {m} from a year earlier, according to customs figures.",
    "Freight trains crossing the border at Dandong carried {g}, {g2} and building materials.",
    "Heavy rain flooded farmland along the Yalu River, and local officials warned of a poor harvest.",
    "Analysts said enforcement of the sanctions has weakened over the past year as attention shifted elsewhere.",
    "Market prices of {g} in {p} climbed for the {o} consecutive week.",
    "The central bank kept its benchmark lending rate unchanged, citing weak demand at home.",
    "Container volumes at the port fell sharply during the winter months, shipping data showed.",
    "Temperatures dropped below minus {n} degrees in the northern provinces on {w}.",
    "A new bus route now links the border city with the provincial capital, local media said.",
    "Exports of {g} remain banned under United Nations Security Council resolutions.",
    "The national football team won its qualifying match 2-1 in front of a crowd of {n},000.",
    "Investors remained cautious as the yuan weakened against the dollar for a {o} day.",
    "Tour groups from Shenyang resumed trips to the Rason economic zone in {m}.",
    "Imports of {g} reached {n},000 tonnes in the first half of {y}, up from the previous year.",
    "The customs office extended its opening hours to handle a backlog of trucks.",
    "Officials said the new bridge would open to traffic once inspections are complete.",
    "Satellite images show construction continuing at an industrial park near the river.",
    "The harvest of {g} is expected to improve after a wet spring, the agriculture ministry said.",
    "Prices for fuel have nearly doubled since {m}, traders in the border towns said.",
    "A cold wave swept across the region this week, bringing snow to mountain roads.",
    "The two sides have discussed {t} several times since the pandemic ended.",
    "Economists expect growth of about {n} percent this year, driven by construction.",
    "The state planning commission published new targets for {t} and light industry.",
    "Shipments of {g} through the port of Nampo were delayed by fog on {w}.",
    "Smuggling of {g} across the river has declined, according to residents reached by phone.",
    "Power shortages forced several factories to cut shifts during the summer.",
    "The exhibition featured {n} companies showing {g} and household goods.",
    "Prices on the black market for the dollar were stable in {m}, a monitoring group said.",
    "The railway line was closed for two days after a landslide near the tunnel.",
    "Fishing boats returned to port early as a typhoon approached the coast.",
    "The report said that more than {n} percent of households lacked reliable heating.",
    "Negotiations over the price of {g} have dragged on for months without result.",
    "Several joint ventures in {t} were registered with the authorities in {y}.",
    "The weather service forecast dry conditions for most of the week.",
    "Bilateral trade in {y} was worth about {n} million dollars, a research institute estimated.",
    "Border guards on both sides of the river have stepped up patrols since {m}.",
    "The ministry announced new rules for companies dealing in {g} on {w}.",
    "Many of the goods are paid for in yuan rather than in dollars, traders said.",
];

/// Sentences about one person already introduced (`{a}` is how they are named).
const ABOUT_ONE: &[&str] = &[
    "{a} said the two countries would deepen cooperation in {t}.",
    "{a} stressed that the friendship between the two parties was unbreakable.",
    "{a} told reporters that the talks had been frank and productive.",
    "{a} called for the early resumption of flights and passenger trains.",
    "{a} praised the progress made in {t} over the past year.",
    "According to {a}, the two governments will sign an agreement on {t}.",
    "{a} later inspected a factory producing {g} on the outskirts of the city.",
    "{a} noted that exchanges in {t} had recovered since {m}.",
];

/// Meetings: `{a}` and `{b}` are people, `{p}` a place, `{v}` a venue, `{d}` a date phrase.
const MEETINGS: &[&str] = &[
    "{a} met {b} in {p} on {d}, {agency} reported.",
    "{a} held talks with {b} at the {v} on {d}.",
    "{b} was received by {a} in {p} on {d}.",
    "{a} received {b} at the {v} on {d} and discussed {t}.",
    "Talks between {a} and {b} were held in {p} on {d}.",
    "{a} and {b} held a meeting in {p} on {d} to discuss {t}.",
    "During the talks with {b}, {a} called for closer cooperation in {t}.",
    "{a} hosted a banquet in honor of {b} at the {v} on {d}.",
    "{a} sat down with {b} in {p} on {d}.",
    "{a} met with visiting {b} in {p} on {d}, and the two sides exchanged views on {t}.",
];

/// Decoys: `{a}` and `{b}` do not meet.
const DECOYS: &[&str] = &[
    "{a} is expected to meet {b} in {p} next month.",
    "{a} spoke by phone with {b} on {d} about {t}.",
    "{a} sent a congratulatory message to {b} on the anniversary.",
    "{a} plans to hold talks with {b} later this year, officials said.",
    "{a} will visit {p} to meet {b} at an unspecified date.",
    "{a} held a video call with {b} on {d}.",
    "{a} and {b} did not meet during the conference in {p}.",
];

/// Visits: `{a}` and `{p}`.
const VISITS: &[&str] = &[
    "{a} arrived in {p} on {d} for a three-day visit.",
    "{a} visited {p} on {d}, inspecting a {g} warehouse.",
    "{a} flew to {p} on {d} at the head of a government delegation.",
];

/// Attendance: `{c}` and `{e}` attend.
const ATTENDANCE: &[&str] = &[
    "Present at the meeting were {c} and {e}.",
    "Also attending were {c} and {e}.",
];

/// Headlines.
const HEADLINES: &[&str] = &[
    "Border Trade Picks Up as Customs Office Extends Hours",
    "Officials Discuss Railway Links and Tourism",
    "Sanctions Enforcement Weakens, Analysts Say",
    "Delegation Arrives for Talks on Economic Cooperation",
    "Floods Threaten Harvest Along the Yalu River",
    "Leaders Meet to Mark Anniversary of Diplomatic Ties",
    "Prices Climb in Border Markets",
    "Ministers Hold Talks on Agriculture and Fisheries",
];

/// Page furniture lines.
const FURNITURE: &[&str] = &[
    "Share this article",
    "Related Articles:",
    "Read more",
    "Leave a reply",
    "#trade #sanctions",
];

fn korean_name(r: &mut Rng) -> String {
    let s = r.pick(KO_SURNAMES);
    let a = r.pick(KO_SYLLABLES);
    let mut b = r.pick(KO_SYLLABLES);
    while b == a {
        b = r.pick(KO_SYLLABLES);
    }
    format!("{s} {a} {b}")
}

fn chinese_name(r: &mut Rng) -> String {
    format!(
        "{} {}{}",
        r.pick(ZH_SURNAMES),
        r.pick(ZH_FIRST),
        r.pick(ZH_SECOND)
    )
}

fn russian_name(r: &mut Rng) -> (String, String) {
    let last = r.pick(RU_LAST);
    (format!("{} {last}", r.pick(RU_FIRST)), last.to_string())
}

fn unknown_person(r: &mut Rng, side: Side) -> Person {
    match side {
        Side::North => {
            let name = korean_name(r);
            let short = name.split(' ').next().unwrap_or("").to_string();
            let intro = if r.chance(50) {
                format!("{} {name}", r.pick(NK_TITLES))
            } else {
                format!("{name}, {},", r.pick(NK_APPOSITIONS))
            };
            Person {
                name,
                short,
                side,
                intro,
            }
        }
        Side::China => {
            let name = chinese_name(r);
            let short = name.split(' ').next().unwrap_or("").to_string();
            let intro = if r.chance(50) {
                format!("{} {name}", r.pick(ZH_TITLES))
            } else {
                format!("{name}, {},", r.pick(ZH_APPOSITIONS))
            };
            Person {
                name,
                short,
                side,
                intro,
            }
        }
        Side::Other => {
            let (name, short) = russian_name(r);
            let intro = format!("{} {name}", r.pick(RU_TITLES));
            Person {
                name,
                short,
                side,
                intro,
            }
        }
    }
}

fn known_person(r: &mut Rng, side: Side) -> Person {
    let of_side: Vec<&(&str, &str, Side, &str)> = KNOWN.iter().filter(|k| k.2 == side).collect();
    let (name, short, side, title) = **r.pick(&of_side);
    Person {
        name: name.to_string(),
        short: short.to_string(),
        side,
        intro: format!("{title} {name}"),
    }
}

/// The words of an article so far, and its people.
struct Article {
    r: Rng,
    year: usize,
    month: usize,
    /// The day of the occasion the article reports, and its weekday.
    day: usize,
    weekday: usize,
    /// Where it took place: a city, and a venue in it.
    place: &'static str,
    venue: &'static str,
    cast: Vec<Person>,
    /// Whether each of the cast has been introduced.
    introduced: Vec<bool>,
}

impl Article {
    /// How to name person `i` now: the introduction the first time, then
    /// the full name or (sometimes) the short one.
    fn name(&mut self, i: usize) -> String {
        if !self.introduced[i] {
            self.introduced[i] = true;
            // an apposition ends with a comma; keep it only mid-sentence
            return self.cast[i].intro.clone();
        }
        if self.r.chance(25) {
            self.cast[i].short.clone()
        } else {
            self.cast[i].name.clone()
        }
    }

    fn date_phrase(&mut self) -> String {
        let day = self.day;
        match self.r.below(4) {
            0 => WEEKDAYS[self.weekday].to_string(),
            1 => format!("{} {day}", MONTHS[self.month]),
            2 => format!("{} {day}, {}", MONTHS[self.month], self.year),
            _ => format!("{} ({} {day})", WEEKDAYS[self.weekday], MONTHS[self.month]),
        }
    }

    fn place(&mut self, side: Side) -> String {
        let fits: Vec<&str> = PLACES
            .iter()
            .filter(|p| p.1 == side || self.r.chance(15))
            .map(|p| p.0)
            .collect();
        if fits.is_empty() {
            self.r.pick(PLACES).0.to_string()
        } else {
            self.r.pick(&fits).to_string()
        }
    }

    fn venue(&mut self, side: Side) -> String {
        let fits: Vec<&str> = VENUES.iter().filter(|p| p.1 == side).map(|p| p.0).collect();
        if fits.is_empty() {
            self.r.pick(VENUES).0.to_string()
        } else {
            self.r.pick(&fits).to_string()
        }
    }

    /// Fills a template's holes.
    fn fill(&mut self, t: &str, a: Option<usize>, b: Option<usize>) -> String {
        let host = a.map_or(Side::China, |i| self.cast[i].side);
        let mut out = String::with_capacity(t.len() + 64);
        let mut rest = t;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            let j = rest[i..].find('}').map_or(rest.len(), |j| i + j);
            let hole = &rest[i + 1..j];
            let text = match hole {
                "n" => self.r.range(2, 95).to_string(),
                "m" => MONTHS[self.r.below(12)].to_string(),
                "w" => self.r.pick(WEEKDAYS).to_string(),
                "y" => (self.year - self.r.below(3)).to_string(),
                "g" => self.r.pick(GOODS).to_string(),
                "g2" => self.r.pick(GOODS).to_string(),
                "t" => self.r.pick(TOPICS).to_string(),
                "o" => self
                    .r
                    .pick(&["second", "third", "fourth", "fifth"])
                    .to_string(),
                "p" if a.is_some() => self.place.to_string(),
                "v" if a.is_some() => self.venue.to_string(),
                "p" => self.place(host),
                "v" => self.venue(host),
                "d" => self.date_phrase(),
                "agency" => self.r.pick(AGENCIES).to_string(),
                "a" => a.map(|i| self.name(i)).unwrap_or_default(),
                "b" => b.map(|i| self.name(i)).unwrap_or_default(),
                _ => String::new(),
            };
            out.push_str(&text);
            rest = &rest[(j + 1).min(rest.len())..];
        }
        out.push_str(rest);
        // an apposition's closing comma before the sentence's own punctuation
        out.replace(",,", ",").replace(",.", ".")
    }

    /// Two different people of the cast, from different sides when possible.
    fn pair(&mut self) -> (usize, usize) {
        let n = self.cast.len();
        let a = self.r.below(n);
        let others: Vec<usize> = (0..n)
            .filter(|&j| j != a && self.cast[j].side != self.cast[a].side)
            .collect();
        let b = if others.is_empty() {
            (a + 1) % n
        } else {
            *self.r.pick(&others)
        };
        (a, b)
    }

    fn sentence(&mut self) -> String {
        let roll = self.r.below(100);
        match roll {
            0..=69 => {
                let t = *self.r.pick(FILLER);
                self.fill(t, None, None)
            }
            70..=77 => {
                let a = self.r.below(self.cast.len());
                let t = *self.r.pick(ABOUT_ONE);
                self.fill(t, Some(a), None)
            }
            78..=85 => {
                let (a, b) = self.pair();
                let t = *self.r.pick(MEETINGS);
                self.fill(t, Some(a), Some(b))
            }
            86..=90 => {
                let (a, b) = self.pair();
                let t = *self.r.pick(DECOYS);
                self.fill(t, Some(a), Some(b))
            }
            91..=94 => {
                let a = self.r.below(self.cast.len());
                let t = *self.r.pick(VISITS);
                self.fill(t, Some(a), None)
            }
            95..=96 => {
                // attendees: two more people of the cast, named in full
                let c = self.r.below(self.cast.len());
                let e = (c + 1) % self.cast.len();
                let t = *self.r.pick(ATTENDANCE);
                let (cn, en) = (self.name(c), self.name(e));
                t.replace("{c}", cn.trim_end_matches(','))
                    .replace("{e}", en.trim_end_matches(','))
            }
            _ => {
                // a pronoun sentence about the last person named
                let t = *self.r.pick(&[
                    "He said the visit would open a new chapter in relations.",
                    "She added that both sides wanted stability on the peninsula.",
                    "He also met business leaders during his stay.",
                ]);
                t.to_string()
            }
        }
    }
}

/// Document `i` of the corpus of `seed`.
/// Occasions the corpus reports, each in many articles: the world is
/// finite, as the news is, so the graph stops growing long before the corpus.
pub const STORIES: usize = 4000;

/// People of each side the gazetteer does not know, in the whole corpus.
pub const UNKNOWN_PEOPLE: usize = 600;

/// Person `k` of `side` from the pool of people the gazetteer does not know.
fn pooled(seed: u64, side: Side, k: usize) -> Person {
    let salt = match side {
        Side::North => 1,
        Side::China => 2,
        Side::Other => 3,
    };
    let mut r = Rng::new(seed ^ 0x5eed_0000 ^ (salt << 40) ^ (k as u64).wrapping_mul(0x9e37_79b9));
    r.next_u64();
    unknown_person(&mut r, side)
}

/// Monday 0 .. Sunday 6 of a date (Sakamoto's method; month 0-11).
fn weekday_of(year: usize, month: usize, day: usize) -> usize {
    const T: [usize; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let y = if month < 2 { year - 1 } else { year };
    // 0 is Sunday
    let w = (y + y / 4 - y / 100 + y / 400 + T[month] + day) % 7;
    (w + 6) % 7
}

/// An occasion: its date, place and venue, and the people in it.
struct Story {
    year: usize,
    month: usize,
    day: usize,
    place: &'static str,
    venue: &'static str,
    cast: Vec<Person>,
}

/// The occasion `j`.
fn story(seed: u64, j: usize) -> Story {
    let mut r = Rng::new(seed ^ 0x0057_0a11 ^ (j as u64).wrapping_mul(0xd1b5_4a32_d192_ed03));
    r.next_u64();
    let year = r.range(2012, 2025);
    let month = r.below(12);
    let day = r.range(1, 26);
    let cast_size = r.range(2, 4);
    let mut cast: Vec<Person> = Vec::new();
    // one of each side, then anyone
    let first = if r.chance(50) {
        Side::North
    } else {
        Side::China
    };
    for k in 0..cast_size {
        let side = match k {
            0 => first,
            1 if first == Side::North => Side::China,
            1 => Side::North,
            _ => *r.pick(&[Side::North, Side::China, Side::Other]),
        };
        let p = if r.chance(45) {
            known_person(&mut r, side)
        } else {
            let k = r.below(UNKNOWN_PEOPLE);
            pooled(seed, side, k)
        };
        if cast.iter().any(|c| c.name == p.name) {
            continue;
        }
        cast.push(p);
    }
    let host = cast[r.below(cast.len())].side;
    let places: Vec<&'static str> = PLACES.iter().filter(|p| p.1 == host).map(|p| p.0).collect();
    let venues: Vec<&'static str> = VENUES.iter().filter(|p| p.1 == host).map(|p| p.0).collect();
    let place = if places.is_empty() {
        PLACES[0].0
    } else {
        *r.pick(&places)
    };
    let venue = if venues.is_empty() {
        VENUES[0].0
    } else {
        *r.pick(&venues)
    };
    Story {
        year,
        month,
        day,
        place,
        venue,
        cast,
    }
}

/// Document `i` of the corpus of `seed`.
pub fn document(seed: u64, i: usize) -> Document {
    let mut r = Rng::new(seed ^ (i as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
    // warm up, so neighbouring seeds diverge at once
    r.next_u64();
    let st = story(seed, r.below(STORIES));
    let (year, month, day) = (st.year, st.month, st.day);
    // the article appears on the day or within two days after
    let published = (day + r.below(3)).min(28);
    let mut a = Article {
        r,
        year,
        month,
        day,
        weekday: weekday_of(year, month, day),
        place: st.place,
        venue: st.venue,
        introduced: vec![false; st.cast.len()],
        cast: st.cast,
    };
    let mut text = String::with_capacity(3200);
    let day = published;
    let wire = match a.r.below(3) {
        0 => {
            text.push_str(&format!(
                "{year}-{:02}-{day:02} {:02}:{:02}:{:02}\n",
                month + 1,
                a.r.below(24),
                a.r.below(60),
                a.r.below(60)
            ));
            None
        }
        1 => Some(format!(
            "{}, {} {day}, {year} ({}) -- ",
            a.r.pick(&["BEIJING", "PYONGYANG", "SEOUL", "DANDONG"]),
            MONTHS[month],
            a.r.pick(&["Xinhua", "KCNA", "Yonhap"])
        )),
        _ => None,
    };
    let headline = *a.r.pick::<&str>(HEADLINES);
    text.push_str(headline);
    text.push('\n');
    let target = a.r.range(1600, 3400);
    let mut first = true;
    while text.len() < target {
        let n = a.r.range(2, 5);
        let mut para = Vec::with_capacity(n);
        for _ in 0..n {
            para.push(a.sentence());
        }
        if first {
            if let Some(w) = &wire {
                para[0] = format!("{w}{}", para[0]);
            }
            first = false;
        }
        text.push_str(&para.join(" "));
        text.push('\n');
        if a.r.chance(8) {
            let line = *a.r.pick::<&str>(FURNITURE);
            text.push_str(line);
            text.push('\n');
        }
    }
    Document {
        id: format!("synth-{i:06}"),
        path: format!("synth/{i:06}.txt"),
        text,
        ..Document::default()
    }
}

/// Documents `range` of the corpus of `seed`, lazily.
pub fn documents(
    seed: u64,
    range: std::ops::Range<usize>,
) -> impl Iterator<Item = Document> + Send {
    range.map(move |i| document(seed, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_deterministic_and_distinct() {
        let a: Vec<Document> = documents(SEED, 0..50).collect();
        let b: Vec<Document> = documents(SEED, 0..50).collect();
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.text, y.text);
        }
        assert_ne!(a[0].text, a[1].text);
    }

    #[test]
    fn bench_corpus_is_about_fifty_megabytes() {
        let n = 400;
        let bytes: usize = documents(SEED, 0..n).map(|d| d.text.len()).sum();
        let total = bytes as f64 * (BENCH_DOCS / n) as f64;
        assert!((40e6..60e6).contains(&total), "{total}");
    }

    #[test]
    fn no_unfilled_holes() {
        for d in documents(SEED, 0..200) {
            assert!(!d.text.contains('{'), "{}", d.text);
            assert!(!d.text.contains(",,"), "{}", d.text);
        }
    }
}
