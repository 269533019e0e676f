//! Table-driven tests, one sentence or two each (our own), for the ways a
//! meeting is written and for the decoys that must not become meetings.
//! Most names here are not in the gazetteer: the rules must find them from
//! their context.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use cnkg::extract::{Document, Extractor};
use cnkg::graph::KnowledgeGraph;
use cnkg::rules::RuleSet;

fn extractor() -> &'static Extractor {
    static X: OnceLock<Extractor> = OnceLock::new();
    X.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("graph_rules");
        Extractor::new(&RuleSet::load_dir(&dir).expect("rules load")).expect("rules compile")
    })
}

fn build(text: &str) -> KnowledgeGraph {
    let doc = Document {
        id: "t".into(),
        path: "t.txt".into(),
        text: text.into(),
        ..Default::default()
    };
    KnowledgeGraph::build(extractor(), &[doc])
}

/// MET pairs as "A -- B" with the two labels sorted.
fn meetings(g: &KnowledgeGraph) -> BTreeSet<String> {
    g.edges_sorted()
        .into_iter()
        .filter(|e| e.relation() == "MET")
        .map(|e| {
            let mut v = [
                g.node(&e.source).unwrap().label().to_string(),
                g.node(&e.target).unwrap().label().to_string(),
            ];
            v.sort();
            format!("{} -- {}", v[0], v[1])
        })
        .collect()
}

fn met_edges(g: &KnowledgeGraph) -> Vec<&cnkg::graph::Edge> {
    g.edges_sorted()
        .into_iter()
        .filter(|e| e.relation() == "MET")
        .collect()
}

fn people(g: &KnowledgeGraph) -> BTreeSet<String> {
    g.nodes_sorted()
        .into_iter()
        .filter(|n| n.kind() == "Person")
        .map(|n| n.label().to_string())
        .collect()
}

fn check(cases: &[(&str, &str, &[&str])]) {
    let mut failures = Vec::new();
    for (name, text, want) in cases {
        let got = meetings(&build(text));
        let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
        if got != want {
            failures.push(format!(
                "{name}:\n  text: {text}\n  want: {want:?}\n  got:  {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn meeting_constructions() {
    check(&[
        ("met with", "Chinese Vice Foreign Minister Hua Zhenyu met with North Korean Deputy Foreign Minister Ryom Chol Su in Beijing on Tuesday.", &["Hua Zhenyu -- Ryom Chol Su"]),
        ("held talks with", "Laotian Foreign Minister Vongsa Khamphou held talks with Chinese Assistant Foreign Minister Wu Jianghao on Monday.", &["Vongsa Khamphou -- Wu Jianghao"]),
        ("held consultations with", "Russian Deputy Foreign Minister Andrei Kalinin held consultations with North Korean Vice Foreign Minister Pak Sung Il.", &["Andrei Kalinin -- Pak Sung Il"]),
        ("received", "Premier Pak Pong Ju received Chinese Ambassador Li Jinjun at the Mansudae Assembly Hall.", &["Li Jinjun -- Pak Pong Ju"]),
        ("hosted", "South Korean Unification Minister Jo Myong Gyun hosted Chinese Ambassador Qiu Guohong in Seoul.", &["Jo Myong Gyun -- Qiu Guohong"]),
        ("called on", "Vietnamese Ambassador Le Quang Tung called on North Korean Foreign Minister Ri Yong Ho in Pyongyang.", &["Le Quang Tung -- Ri Yong Ho"]),
        ("paid a courtesy call on", "Chinese Ambassador Zhang Ping paid a courtesy call on Vice Premier Kang Hyo Chan.", &["Kang Hyo Chan -- Zhang Ping"]),
        ("passive: welcomed at the station by", "Mongolian Foreign Minister Gombojav Zandanshatar was welcomed at Pyongyang Station by North Korean Vice Foreign Minister Ri Kil Song.", &["Gombojav Zandanshatar -- Ri Kil Song"]),
        ("banquet for", "Chinese Ambassador Wang Yajun gave a banquet for North Korean Vice Foreign Minister Pak Myong-ho at the embassy.", &["Park Myung-ho -- Wang Yajun"]),
        ("shook hands", "Cuban President Miguel Diaz-Canel shook hands with North Korean Premier Kim Tok Hun.", &["Kim Deok-hoon -- Miguel Diaz-Canel"]),
        ("sat down with", "Japanese Foreign Minister Fumio Kishida sat down with Chinese Foreign Minister Wang Yi in Tokyo.", &["Fumio Kishida -- Wang Yi"]),
        ("A and B held talks", "Russian Ambassador Alexander Matsegora and North Korean Vice Foreign Minister Im Chon Il held talks on Friday.", &["Alexander Matsegora -- Im Chon Il"]),
        ("talks between A and B were held", "Talks between Chinese Vice Premier Hu Chunhua and North Korean Premier Pak Pong Ju were held in Pyongyang.", &["Hu Chunhua -- Pak Pong Ju"]),
        ("summit between", "The summit between Chinese President Xi Jinping and South Korean President Moon Jae-in took place in Beijing.", &["Moon Jae-in -- Xi Jinping"]),
        ("apposition subject", "Ri Son Gwon, minister of foreign affairs of the DPRK, met Chinese Ambassador Li Jinjun on Wednesday.", &["Li Jinjun -- Ri Son Gwon"]),
        ("delegation led by", "Choe Ryong Hae received the Chinese party delegation led by Song Tao, head of the International Liaison Department.", &["Choe Ryong Hae -- Song Tao"]),
        ("the delegation later", "A Chinese friendship delegation led by Cao Jianming, vice-chairman of the National People's Congress, arrived in Pyongyang. Vice President Yang Hyong Sop received the delegation on Friday.", &["Cao Jianming -- Yang Hyong Sop"]),
        ("held talks, and called on", "Chinese Vice Minister Sun Weidong held talks with North Korean Vice Foreign Minister Pak Myong-ho, and called on Foreign Minister Choe Son Hui.", &["Choe Son Hui -- Sun Weidong", "Park Myung-ho -- Sun Weidong"]),
        ("attendees meet the other side's principal", "North Korean Premier Kim Tok Hun met Chinese Vice Premier Liu Guozhong in Pyongyang. Present at the talks were Pak Jong Chon, secretary of the WPK Central Committee, from the DPRK side, and Wang Yajun, Chinese ambassador to the DPRK, from the Chinese side.", &["Kim Deok-hoon -- Liu Guozhong", "Liu Guozhong -- Pak Jong Chon", "Kim Deok-hoon -- Wang Yajun"]),
        ("he: the last sentence's subject", "Chinese Foreign Minister Wang Yi arrived in Pyongyang on Monday. He was received by North Korean Premier Kim Tok Hun.", &["Kim Deok-hoon -- Wang Yi"]),
        ("in a meeting with", "In a meeting with Choe Ryong Hae on Saturday, Chinese special envoy Song Tao briefed him on the party congress.", &["Choe Ryong Hae -- Song Tao"]),
        ("received a courtesy call from", "Chinese Vice Premier Li Hongzhong received a courtesy call from North Korean Ambassador Ri Ryong Nam on Wednesday.", &["Li Hongzhong -- Ri Ryong Nam"]),
        ("saw off", "North Korean leader Kim Jong Un saw Chinese President Xi Jinping off at the airport.", &["Kim Jong Un -- Xi Jinping"]),
        ("A and his counterpart B met", "Chinese Foreign Minister Qin Gang and his South Korean counterpart Park Jin met in Jakarta on Friday.", &["Park Jin -- Qin Gang"]),
        ("bare names around the verb", "Zhou Haicheng met with Pak Song Chol in Shenyang on Monday.", &["Pak Song Chol -- Zhou Haicheng"]),
        ("an attendee of unknown country stands with the rest of the list", "Premier Kim Tok Hun met Chinese Vice Premier Liu Guozhong in Pyongyang on Monday. Also present were Choe Son Hui, Jon Hyon Chol and Kim Song Nam.", &["Kim Deok-hoon -- Liu Guozhong", "Choe Son Hui -- Liu Guozhong", "Jon Hyon Chol -- Liu Guozhong", "Kim Song Nam -- Liu Guozhong"]),
        ("held talks with X and was received by Y", "During the visit, Chinese legislator Zhao Leji held talks with Choe Ryong Hae and was received by Kim Jong Un.", &["Choe Ryong Hae -- Zhao Leji", "Kim Jong Un -- Zhao Leji"]),
        ("a Chinese name's family name first", "Chinese Ambassador to South Korea Dai Bing arrived in Seoul. Dai later called on Yoon's chief of staff Lee Kwan-sup.", &["Dai Bing -- Lee Kwan-sup"]),
        ("a middle initial", "U.S. Deputy Secretary of State Kurt M. Campbell met Chinese Vice Foreign Minister Ma Zhaoxu in Washington.", &["Kurt M. Campbell -- Ma Zhaoxu"]),
        ("the visiting vice minister", "Chinese Vice Foreign Minister Sun Weidong arrived in Pyongyang on Monday. North Korean Premier Kim Tok Hun received the visiting vice minister at the Mansudae Assembly Hall.", &["Kim Deok-hoon -- Sun Weidong"]),
        ("couples on both sides", "North Korean leader Kim Jong Un and his wife Ri Sol Ju welcomed Chinese President Xi Jinping and his wife Peng Liyuan at the airport.", &["Kim Jong Un -- Xi Jinping", "Kim Jong Un -- Peng Liyuan", "Ri Sol Ju -- Xi Jinping", "Peng Liyuan -- Ri Sol Ju"]),
        ("A and B started talks", "Russian President Vladimir Putin and North Korean leader Kim Jong Un have started talks at the Vostochny Cosmodrome.", &["Kim Jong Un -- Vladimir Putin"]),
        ("gave a tour", "Chinese Premier Li Qiang gave North Korean Premier Pak Thae Song a tour of an industrial park in Tianjin.", &["Li Qiang -- Pak Thae Song"]),
        ("a brief encounter", "South Korean President Lee Jae-myung had a brief encounter with Japanese Prime Minister Sanae Takaichi in Gyeongju.", &["Lee Jae-myung -- Sanae Takaichi"]),
        ("received him", "Chinese Vice Foreign Minister Sun Weidong arrived in Pyongyang on Monday. North Korean Premier Kim Tok Hun received him at the Mansudae Assembly Hall.", &["Kim Deok-hoon -- Sun Weidong"]),
        ("surname later", "North Korean Vice Foreign Minister Pak Myong-ho visited Beijing. Chinese Assistant Foreign Minister Nong Rong held talks with Pak on Thursday.", &["Nong Rong -- Park Myung-ho"]),
        ("a given name with a kin word in it", "North Korean Vice Minister of Foreign Affairs Kim Son Gyong arrived in Beijing. Kim met Chinese Vice Foreign Minister Hua Chunying on Friday.", &["Hua Chunying -- Kim Son Gyong"]),
        ("he, after a dateline", "BEIJING, October 6, 2009 (Xinhua) -- Premier Wen Jiabao arrived in Pyongyang on Sunday for a three-day visit. He was greeted at the airport by Kim Yong Il, premier of the DPRK.", &["Kim Yong Il -- Wen Jiabao"]),
        ("talks were held between, sentence-initial", "Talks were held between Kang Yun Sok, vice-chairman of the Standing Committee, and Cao Jianming, vice-chairman of the National People's Congress, at the Mansudae Assembly Hall.", &["Cao Jianming -- Kang Yun Sok"]),
        ("the talks were attended by", "Premier Kim Tok Hun held talks with Chinese Vice Premier Liu Guozhong in Pyongyang. The talks were attended by Ri Son Gwon, minister of foreign affairs.", &["Kim Deok-hoon -- Liu Guozhong", "Liu Guozhong -- Ri Son Gwon"]),
        ("presented credentials to", "North Korea's new ambassador to China, Ri Ryong Nam, presented his credentials to Chinese President Xi Jinping on Friday.", &["Ri Ryong Nam -- Xi Jinping"]),
        ("a shorter known name inside a longer one", "Pak Thae Song met with Chinese State Councilor Wang Yi in Beijing.", &["Pak Thae Song -- Wang Yi"]),
        ("discussed with", "Chinese Vice Premier Ding Xuexiang discussed trade and border crossings with North Korean Vice Premier Ri Song Hak in Dandong.", &["Ding Xuexiang -- Ri Song Hak"]),
        ("exchanged views with", "Mongolian Foreign Minister Batmunkh Battsetseg exchanged views on regional security with Chinese Vice Foreign Minister Sun Weidong on Monday.", &["Batmunkh Battsetseg -- Sun Weidong"]),
        ("discussed with her: not the clause's own subject", "Laotian Deputy Minister Phoxay Khaykhamphithoune met Choe Son Hui on May 3, and Cambodian Secretary of State Kung Phoak discussed the situation in Southeast Asia with her on May 4.", &["Choe Son Hui -- Kung Phoak", "Choe Son Hui -- Phoxay Khaykhamphithoune"]),
        ("A and B discussed", "Chinese Vice Foreign Minister Sun Weidong and North Korean Vice Foreign Minister Pak Myong-ho discussed regional security in Pyongyang on Tuesday.", &["Park Myung-ho -- Sun Weidong"]),
        ("discussed with, after a call between others", "Chinese Foreign Minister Wang Yi spoke by phone with Russian Foreign Minister Sergey Lavrov on Monday. Chinese Vice Foreign Minister Sun Weidong discussed border trade with North Korean Ambassador Ri Ryong Nam in Beijing on Tuesday.", &["Ri Ryong Nam -- Sun Weidong"]),
        ("A and B discussed, after a letter they did not write", "North Korean leader Kim Jong Un sent a letter to Russian President Vladimir Putin. Chinese Premier Li Qiang and North Korean Premier Pak Thae Song discussed flood relief in Sinuiju.", &["Li Qiang -- Pak Thae Song"]),
        ("met, after a call between the same two", "Mongolian Foreign Minister Battsetseg Batmunkh held a video call with Chinese Vice Foreign Minister Sun Weidong in March. Battsetseg Batmunkh met Sun Weidong in Ulaanbaatar on May 2.", &["Battsetseg Batmunkh -- Sun Weidong"]),
        ("he: the subject of his own sentence", "Chinese Vice Premier Liu Guozhong left Pyongyang on Sunday. Two days later Kim Jong Un boarded a train for Russia, and on Wednesday he held talks with Russian Deputy Prime Minister Yuri Trutnev.", &["Kim Jong Un -- Yuri Trutnev"]),
        ("credentials, a date between", "Chinese Ambassador Wang Yajun presented his credentials on Thursday to Choe Ryong Hae, president of the Presidium of the Supreme People's Assembly.", &["Choe Ryong Hae -- Wang Yajun"]),
        ("paid a courtesy call on X, and the same day called on Y", "On Friday, Chinese Ambassador Wang Yajun paid a courtesy call on Premier Kim Tok Hun, and the same day called on Foreign Minister Choe Son Hui.", &["Kim Deok-hoon -- Wang Yajun", "Choe Son Hui -- Wang Yajun"]),
        ("greeted by X, and received later by Y", "Chinese Premier Li Qiang was greeted at the airport by North Korean Premier Pak Thae Song, and was received hours later by Kim Jong Un.", &["Li Qiang -- Pak Thae Song", "Kim Jong Un -- Li Qiang"]),
        ("in talks with, then what was said", "In talks with North Korean Vice Foreign Minister Pak Myong-ho on Friday, Chinese Vice Foreign Minister Sun Weidong said Beijing would keep up high-level exchanges.", &["Park Myung-ho -- Sun Weidong"]),
        ("the North Korean leader, name", "Russian Security Council Secretary Sergei Shoigu was received in Pyongyang by the North Korean leader, Kim Jong Un, on Wednesday.", &["Kim Jong Un -- Sergei Shoigu"]),
        ("attended the talks from a side, a list with others", "Chinese Vice Premier Liu Guozhong held talks with North Korean Premier Kim Tok Hun in Pyongyang on Monday. Ri Son Gwon, Kim Song Nam and other members of the delegation attended the talks from the North Korean side.", &["Kim Deok-hoon -- Liu Guozhong", "Liu Guozhong -- Ri Son Gwon", "Kim Song Nam -- Liu Guozhong"]),
        ("present: one at a country's ministry", "Japanese Foreign Minister Yoko Kamikawa held talks with Chinese Foreign Minister Wang Yi in Beijing on Wednesday. Also present were Japanese Ambassador Hideo Tarumi and Liu Jinsong, a director-general at China's Foreign Ministry.", &["Wang Yi -- Yoko Kamikawa", "Hideo Tarumi -- Wang Yi", "Liu Jinsong -- Yoko Kamikawa"]),
        ("attended the meeting before, not her own", "Kim Jong Un received Chinese Premier Li Qiang in Pyongyang on Thursday. North Korean Foreign Minister Choe Son Hui, who held talks with Sun Weidong in Beijing last week, also attended the meeting.", &["Kim Jong Un -- Li Qiang", "Choe Son Hui -- Sun Weidong", "Choe Son Hui -- Li Qiang"]),
        ("met with a delegation led by", "Chinese Vice Foreign Minister Sun Weidong met with a delegation of the North Korean foreign ministry led by Vice Foreign Minister Pak Myong-ho in Beijing on Tuesday.", &["Park Myung-ho -- Sun Weidong"]),
        ("had a talk with a delegation headed by", "Choe Ryong Hae had a talk with the Chinese government delegation headed by Vice Premier Liu Guozhong at the Mansudae Assembly Hall.", &["Choe Ryong Hae -- Liu Guozhong"]),
        ("with X when they met", "South Korean President Yoon Suk Yeol raised the issue of North Korean troops with Chinese President Xi Jinping when they met in Lima on Saturday.", &["Xi Jinping -- Yoon Suk Yeol"]),
        ("briefed", "South Korean National Security Adviser Chung Eui-yong briefed Chinese President Xi Jinping in Beijing on his trip to Pyongyang.", &["Chung Eui-yong -- Xi Jinping"]),
        ("was also present", "Kim Jong Un met Russian Deputy Prime Minister Alexander Novak in Pyongyang on Sunday. Russian Ambassador Alexander Matsegora was also present.", &["Alexander Novak -- Kim Jong Un", "Alexander Matsegora -- Kim Jong Un"]),
        ("a portfolio before the title", "Premier Pak Thae Song received Russia's Emergency Situations Minister Alexander Kurenkov in Pyongyang on Monday.", &["Alexander Kurenkov -- Pak Thae Song"]),
        ("he: the one named before him in the sentence", "Chinese Premier Li Qiang arrived in Pyongyang on Thursday. Beijing had sent no head of state since Hu Jintao's visit in 2005, when he was received by Kim Jong Il.", &["Hu Jintao -- Kim Jong Il"]),
        ("the country's premier, name: the name's title", "Chinese Premier Li Qiang arrived in Pyongyang on Thursday and was greeted at the airport by the country's premier, Pak Thae Song.", &["Li Qiang -- Pak Thae Song"]),
        ("X's talks with Y", "Chinese Premier Li Qiang's talks with North Korean Premier Pak Thae Song covered trade and tourism.", &["Li Qiang -- Pak Thae Song"]),
        ("received him: not the clause's own subject", "Chinese Foreign Minister Wang Yi met North Korean Vice Foreign Minister Pak Myong-ho in Beijing, and Premier Li Qiang received him on Friday.", &["Park Myung-ho -- Wang Yi", "Li Qiang -- Park Myung-ho"]),
    ]);
}

#[test]
fn decoys_are_not_meetings() {
    check(&[
        ("planned", "Chinese Vice Foreign Minister Hua Zhenyu is expected to meet North Korean Deputy Foreign Minister Ryom Chol Su next week.", &[]),
        ("scheduled", "Russian Foreign Minister Sergey Lavrov is scheduled to hold talks with North Korean Foreign Minister Choe Son Hui in Moscow.", &[]),
        ("will", "Japanese Prime Minister Fumio Kishida will meet South Korean President Yoon Suk Yeol in Tokyo.", &[]),
        ("phone call", "South Korean Foreign Minister Park Jin spoke by phone with Chinese Foreign Minister Wang Yi on Tuesday.", &[]),
        ("phone talks held", "Chinese Foreign Minister Wang Yi held phone talks with Russian Foreign Minister Sergey Lavrov.", &[]),
        ("video call", "Mongolian Foreign Minister Battsetseg Batmunkh held a video call with Chinese Assistant Foreign Minister Wu Jianghao.", &[]),
        ("letter", "North Korean leader Kim Jong Un sent a letter to Chinese President Xi Jinping on the anniversary.", &[]),
        ("message", "Choe Ryong Hae conveyed a verbal message from Kim Jong Un to Chinese President Xi Jinping.", &[]),
        ("greetings", "Chinese President Xi Jinping and North Korean leader Kim Jong Un exchanged New Year greetings.", &[]),
        ("proposed", "South Korean President Yoon Suk Yeol proposed a summit with Chinese President Xi Jinping.", &[]),
        ("cancelled", "A planned meeting between Russian Deputy Foreign Minister Andrei Rudenko and North Korean Vice Foreign Minister Pak Myong-ho was cancelled.", &[]),
        ("to meet: purpose of a trip", "Chinese Assistant Foreign Minister Nong Rong arrived in Pyongyang to meet North Korean Vice Foreign Minister Pak Myong-ho.", &[]),
        ("asked whether", "Asked whether he had met North Korean Vice Foreign Minister Pak Myong-ho, Chinese Ambassador Wang Yajun declined to comment.", &[]),
        ("denied", "South Korean lawmaker Lee Hae-chan denied that he had met North Korean Vice Foreign Minister Pak Myong-ho in Beijing.", &[]),
        ("negated", "North Korean envoy Choe Ryong Hae attended the parade in Beijing but did not meet Chinese President Xi Jinping.", &[]),
        ("same delegation", "North Korean Foreign Minister Choe Son Hui was accompanied by Vice Foreign Minister Im Chon Il on the flight to Moscow.", &[]),
        ("discussed by phone", "Singaporean Foreign Minister Vivian Balakrishnan discussed the Korean Peninsula with Chinese Foreign Minister Wang Yi by phone on Thursday.", &[]),
        ("A and B discussed by phone", "South Korean President Yoon Suk Yeol and Japanese Prime Minister Fumio Kishida discussed the missile launch by phone on Sunday.", &[]),
        ("A and B discussed, the sentence after their call", "Vietnamese Deputy Foreign Minister Do Hung Viet held phone talks with North Korean Vice Foreign Minister Pak Myong-ho on Friday. Do Hung Viet and Pak Myong-ho discussed preparations for the party congress.", &[]),
        ("discussed with her, the sentence after their call", "Russian Deputy Foreign Minister Andrei Rudenko telephoned North Korean Foreign Minister Choe Son Hui on Monday. Rudenko discussed grain deliveries with her.", &[]),
        ("during the talks, two sentences after their call", "Chinese Vice Premier Liu Guozhong held a video conference with North Korean Vice Premier Ri Song Hak on Wednesday. Liu and Ri exchanged views on trade. During the talks with Ri, Liu praised the new bridge.", &[]),
        ("a possessive: someone else met him", "Chinese Foreign Minister Wang Yi's deputy met North Korean Ambassador Ri Ryong Nam on Monday.", &[]),
        ("discussed in a letter", "North Korean Premier Pak Thae Song discussed flood relief with Chinese Premier Li Qiang in a letter.", &[]),
    ]);
}

#[test]
fn capitalised_words_are_not_people() {
    let g = build("Meanwhile Beijing Station was closed. However Premier Li Qiang spoke. Friday Talks Resume In Beijing. Despite Sanctions, Trade Grew. The Foreign Ministry said on Monday that Kim Il Sung Square was closed.");
    let p = people(&g);
    assert_eq!(
        p,
        BTreeSet::from(["Li Qiang".to_string()]),
        "only the premier is a person"
    );
}

#[test]
fn the_norths_leader_comma_name() {
    // "the North's" stands for a country: the name after the comma is a person
    let g = build("A senior Chinese envoy stood beside the North's military chief, Ri Yong Gil, at the parade.");
    assert_eq!(people(&g), BTreeSet::from(["Ri Yong Gil".to_string()]));
}

#[test]
fn one_person_whatever_the_spelling() {
    let g = build("North Korean leader Kim Jong-un arrived. KIM JONG UN later spoke. Kim Jong Un left. Chinese Vice Foreign Minister Sun Weidong met Kim Jong-Un on Friday.");
    let kims: Vec<String> = people(&g)
        .into_iter()
        .filter(|p| p.starts_with("Kim"))
        .collect();
    assert_eq!(kims, vec!["Kim Jong Un".to_string()]);
    let node = g.node("person:kim-jong-un").expect("the gazetteer id");
    assert!(
        node.aliases().contains(&"KIM JONG UN"),
        "spellings kept as aliases: {:?}",
        node.aliases()
    );
}

#[test]
fn dates_and_places_of_meetings() {
    let cases: &[(&str, &str, &str)] = &[
        ("Pyongyang, March 14 (KCNA) -- Premier Pak Pong Ju received Chinese Ambassador Li Jinjun on Monday.\n2017-03-15 08:00:00", "2017-03-13", "place:pyongyang"),
        ("BEIJING, Oct. 3 (Xinhua) -- Chinese Vice Premier Hu Chunhua met North Korean Vice Premier Ri Ryong Nam here on Tuesday. The two sides signed a trade protocol for 2019.", "2019-10-01", "place:beijing"),
        ("Published: 2022-07-08\nSouth Korean Foreign Minister Park Jin held talks with Chinese Foreign Minister Wang Yi at the Great Hall of the People last month.", "2022-06", "place:great-hall-of-the-people"),
        // the date named before, moved by what leads to the meeting
        ("SEOUL, May 15, 2016 (Yonhap) -- North Korean Vice Foreign Minister Ri Kil Song returned home on Saturday, two days after Ri held talks with Chinese Vice Foreign Minister Liu Zhenmin in Beijing.", "2016-05-12", "place:beijing"),
        // what they discussed names a place; where they met is another
        ("SEOUL, June 9, 2023 (Yonhap) -- Chinese Ambassador Xing Haiming discussed tensions on the Korean Peninsula with South Korean Foreign Minister Park Jin in Seoul on Thursday.", "2023-06-08", "place:seoul"),
    ];
    for (text, date, place) in cases {
        let g = build(text);
        let met = met_edges(&g);
        assert_eq!(met.len(), 1, "{text}");
        assert_eq!(met[0].get_str("date"), Some(*date), "{text}");
        assert_eq!(met[0].get_str("place"), Some(*place), "{text}");
    }
}

/// MET pairs with their dates, "A -- B date".
fn dated_meetings(g: &KnowledgeGraph) -> BTreeSet<String> {
    met_edges(g)
        .into_iter()
        .map(|e| {
            let mut v = [
                g.node(&e.source).unwrap().label().to_string(),
                g.node(&e.target).unwrap().label().to_string(),
            ];
            v.sort();
            format!("{} -- {} {}", v[0], v[1], e.get_str("date").unwrap_or("-"))
        })
        .collect()
}

#[test]
fn the_days_of_one_visit() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "the same day: the day named before it in the sentence",
            "VIENTIANE, July 26, 2024 (Xinhua) -- Mongolian Foreign Minister Battsetseg Batmunkh held talks with Chinese Foreign Minister Wang Yi in Vientiane on Thursday, and was received by Laotian Prime Minister Sonexay Siphandone the same day.",
            &["Battsetseg Batmunkh -- Wang Yi 2024-07-25", "Battsetseg Batmunkh -- Sonexay Siphandone 2024-07-25"],
        ),
        (
            "not the day of an aside",
            "SEOUL, Oct. 12, 2023 (Yonhap) -- Russian Foreign Minister Sergey Lavrov, who arrived in Pyongyang on Wednesday, held talks with North Korean Foreign Minister Choe Son Hui on Thursday.",
            &["Choe Son Hui -- Sergey Lavrov 2023-10-12"],
        ),
        (
            "greeted on the day of arrival, talks the next day: two occasions",
            "Published: 2024-04-13\nChinese Vice Premier Liu Guozhong arrived in Pyongyang on Thursday (April 11). Liu was greeted at the airport by North Korean Vice Premier Ri Song Hak. On Friday, Liu and Ri held talks on trade.",
            &["Liu Guozhong -- Ri Song Hak 2024-04-11", "Liu Guozhong -- Ri Song Hak 2024-04-12"],
        ),
        (
            "\"the 7th Party Congress\" is not a day",
            "SEOUL, June 2, 2016 (Yonhap) -- Chinese President Xi Jinping met North Korean envoy Ri Su Yong in Beijing on Wednesday. Ri briefed Xi on the 7th Party Congress.",
            &["Ri Su Yong -- Xi Jinping 2016-06-01"],
        ),
    ];
    for (what, text, want) in cases {
        let got = dated_meetings(&build(text));
        let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
        assert_eq!(got, want, "{what}: {text}");
    }
}

#[test]
fn a_headline_meeting_is_the_one_the_body_dates() {
    // the headline has no date of its own; the body's Wednesday is that occasion
    let g = build("Chinese vice premier Ding Xuexiang meets North Korean premier Pak Thae Song in border city\nDANDONG, March 8, 2024 (Xinhua) -- Chinese Vice Premier Ding Xuexiang held talks with North Korean Premier Pak Thae Song in Dandong on Wednesday.");
    let met = met_edges(&g);
    assert_eq!(met.len(), 1);
    assert_eq!(met[0].get_str("date"), Some("2024-03-06"));
    assert_eq!(met[0].get_str("place"), Some("place:dandong"));
    // the headline's sentence, and the body's (which two rules read)
    assert_eq!(met[0].evidence_count(), 3);
    // a meeting of years before, named later, is another occasion
    let g = build("Chinese vice premier Ding Xuexiang meets North Korean premier Pak Thae Song in border city\nDANDONG, March 8, 2024 (Xinhua) -- Ding Xuexiang had last held talks with Pak Thae Song in Pyongyang on May 2, 2021.");
    let dates: Vec<Option<&str>> = met_edges(&g).iter().map(|e| e.get_str("date")).collect();
    assert_eq!(dates.len(), 2, "{dates:?}");
    assert!(dates.contains(&Some("2024-03-08")), "{dates:?}");
}

#[test]
fn an_older_meeting_is_not_placed_at_the_dateline() {
    // reported from Seoul days later: not a meeting in Seoul
    let g = build("SEOUL, July 30, 2023 (Yonhap) -- Li Hongzhong, a member of the Political Bureau, held talks with Choe Ryong Hae on Wednesday.");
    let met = met_edges(&g);
    assert_eq!(met.len(), 1);
    assert_eq!(met[0].get_str("date"), Some("2023-07-26"));
    assert_eq!(met[0].get_str("place"), None);
    // the news of the day is placed there
    let g = build("SEOUL, July 30, 2023 (Yonhap) -- Unification Minister Kim Yung-ho received Chinese Ambassador Xing Haiming on Sunday.");
    let met = met_edges(&g);
    assert_eq!(met.len(), 1);
    assert_eq!(met[0].get_str("date"), Some("2023-07-30"));
    assert_eq!(met[0].get_str("place"), Some("place:seoul"));
}

#[test]
fn roles_and_affiliations_with_titles() {
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "North Korean Deputy Foreign Minister Pak Myong-ho arrived.",
            "person:park-myung-ho",
            "HOLDS_ROLE",
            "country:north-korea",
            "Deputy Foreign Minister",
        ),
        (
            "Jon Hyon Chol, member of the Political Bureau of the Workers' Party of Korea, spoke.",
            "person:jon-hyon-chol",
            "MEMBER_OF",
            "org:workers-party-of-korea",
            "member",
        ),
        (
            "Hong Min, a senior researcher at the Korea Institute for National Unification, said so.",
            "person:hong-min",
            "AFFILIATED_WITH",
            "org:korea-institute-for-national-unification",
            "senior researcher",
        ),
        (
            "Wang Yi, the Minister of Foreign Affairs, arrived.",
            "person:wang-yi",
            "HOLDS_ROLE",
            "country:china",
            "Minister of Foreign Affairs",
        ),
        // as many modifiers as a title has, not four at most
        (
            "North Korean Acting First Vice Foreign Trade Minister Ri Kwang-gun arrived.",
            "person:ri-kwang-gun",
            "HOLDS_ROLE",
            "country:north-korea",
            "Acting First Vice Foreign Trade Minister",
        ),
    ];
    for (text, person, relation, target, title) in cases {
        let g = build(text);
        let found = g.edges_sorted().into_iter().any(|e| {
            e.source == *person
                && e.relation() == *relation
                && e.target == *target
                && e.get_str("title") == Some(*title)
        });
        let edges: Vec<String> = g
            .edges_sorted()
            .into_iter()
            .map(|e| {
                format!(
                    "{} {} {} {:?}",
                    e.source,
                    e.relation(),
                    e.target,
                    e.get_str("title")
                )
            })
            .collect();
        assert!(
            found,
            "{text}\nwant {person} {relation} {target} {title:?}\ngot {edges:#?}"
        );
    }
}

#[test]
fn the_sentence_before_sets_the_scene_only_for_its_own_people() {
    // Moscow belongs to the sentence about Xi and Putin, not to Moon's meeting
    let g = build("Chinese President Xi Jinping met Russian President Vladimir Putin in Moscow on Thursday.\nSouth Korean President Moon Jae-in said he met North Korean leader Kim Jong Un three times.\n");
    let moon = g
        .edges_sorted()
        .into_iter()
        .find(|e| e.relation() == "MET" && e.target == "person:moon-jae-in")
        .expect("Moon met Kim");
    assert_eq!(moon.get_str("place"), None);
    // a sentence naming nobody sets the scene: "The envoys held talks in Seoul."
    let g = build("The nuclear envoys of the three countries held talks in Seoul on Friday.\nSouth Korea's Kim Gunn hosted the meeting with U.S. Special Representative Sung Kim.\n");
    let met = g
        .edges_sorted()
        .into_iter()
        .find(|e| e.relation() == "MET")
        .expect("a meeting");
    assert_eq!(met.get_str("place"), Some("place:seoul"));
}

fn organisations(g: &KnowledgeGraph) -> BTreeSet<String> {
    g.nodes_sorted()
        .into_iter()
        .filter(|n| n.kind() == "Organization")
        .map(|n| n.label().to_string())
        .collect()
}

#[test]
fn organisation_name_shapes() {
    let cases: &[(&str, &[&str])] = &[
        (
            "The Ministry of External Economic Relations and the China Council for the Promotion of International Trade signed a protocol.",
            &["China Council for the Promotion of International Trade", "Ministry of External Economic Relations"],
        ),
        (
            "Researchers at the Institute for Far Eastern Studies doubted the figures.",
            &["Institute for Far Eastern Studies"],
        ),
        (
            "He heads the Central Office of the Chinese Communist Party.",
            &["Chinese Communist Party"],
        ),
        (
            "A spokesman for the Committee for the Peaceful Reunification of the Country spoke on Monday.",
            &["Committee for the Peaceful Reunification of the Country"],
        ),
    ];
    let mut failures = Vec::new();
    for (text, want) in cases {
        let got = organisations(&build(text));
        let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
        if got != want {
            failures.push(format!("{text}\n  want: {want:?}\n  got:  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
