//! One brand's recent mentions: the shingle index, the stories they form, and eviction of
//! everything older than the window.

use std::collections::{HashMap, VecDeque};

use chrono::DateTime;

use super::shingle::{Sketch, sketch};
use super::{
    MAX_POSTINGS_SCANNED, Sighting, Spreading, SpreadingParams, StoryMention, normalize_host,
};

/// Characters of text used as a story title when the origin has no title.
const TITLE_FROM_TEXT_CHARS: usize = 120;

#[derive(Debug)]
struct Doc {
    ts: i64,
    story: u64,
    sketch: Sketch,
}

#[derive(Debug)]
struct Member {
    host: String,
    url: String,
    ts: i64,
    negative: bool,
}

#[derive(Debug)]
struct Story {
    title: String,
    members: Vec<Member>,
    fired: bool,
    /// Indexed docs still pointing at this story.
    live: usize,
}

/// Index and stories of one brand.
#[derive(Debug, Default)]
pub(crate) struct BrandStories {
    /// Indexed docs in arrival order; doc id = `first_id` + position.
    docs: VecDeque<Doc>,
    first_id: u64,
    /// Shingle hash → ids of docs holding it, oldest first.
    postings: HashMap<u64, Vec<u64>>,
    stories: HashMap<u64, Story>,
    next_story: u64,
    /// Newest published time seen.
    now: i64,
}

impl BrandStories {
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn observe(&mut self, p: &SpreadingParams, m: &StoryMention<'_>) -> Option<Spreading> {
        let ts = m.ts.timestamp();
        self.now = self.now.max(ts);
        self.evict(self.now - p.window_secs);
        if ts < self.now - p.window_secs {
            return None;
        }
        let sk = sketch(m.title, m.text, p.sketch_size);
        if sk.hashes.is_empty() {
            return None;
        }
        let story_id = match self.best_match(p, &sk) {
            Some(id) => id,
            None => self.new_story(m),
        };
        let doc_id = self.first_id + self.docs.len() as u64;
        for &h in &sk.hashes {
            self.postings.entry(h).or_default().push(doc_id);
        }
        self.docs.push_back(Doc {
            ts,
            story: story_id,
            sketch: sk,
        });
        let story = self.stories.get_mut(&story_id)?;
        story.live += 1;
        story.members.push(Member {
            host: normalize_host(m.host),
            url: m.url.to_owned(),
            ts,
            negative: m.is_negative,
        });
        if story.fired {
            return None;
        }
        let report = spread_report(story, p, self.now)?;
        story.fired = true;
        Some(report)
    }

    fn new_story(&mut self, m: &StoryMention<'_>) -> u64 {
        let id = self.next_story;
        self.next_story += 1;
        let title = if m.title.trim().is_empty() {
            m.text.chars().take(TITLE_FROM_TEXT_CHARS).collect()
        } else {
            m.title.trim().to_owned()
        };
        self.stories.insert(
            id,
            Story {
                title,
                members: Vec::new(),
                fired: false,
                live: 0,
            },
        );
        id
    }

    /// The story of the most similar indexed doc, if similar enough.
    fn best_match(&self, p: &SpreadingParams, sk: &Sketch) -> Option<u64> {
        let mut shared: HashMap<u64, usize> = HashMap::new();
        for h in &sk.hashes {
            if let Some(ids) = self.postings.get(h) {
                let newest = &ids[ids.len().saturating_sub(MAX_POSTINGS_SCANNED)..];
                for &id in newest {
                    *shared.entry(id).or_default() += 1;
                }
            }
        }
        let mut best: Option<(f64, u64)> = None;
        for (id, n) in shared {
            if n < p.min_shared {
                continue;
            }
            let Some(doc) = self.docs.get((id - self.first_id) as usize) else {
                continue;
            };
            let score = sk.overlap(&doc.sketch, n);
            // Ties go to the older doc (smaller id): the story that was there first.
            let better = match best {
                None => true,
                Some((s, best_id)) => score > s || (score == s && id < best_id),
            };
            if score >= p.min_overlap && better {
                best = Some((score, id));
            }
        }
        let (_, id) = best?;
        self.docs
            .get((id - self.first_id) as usize)
            .map(|d| d.story)
    }

    /// Drop docs published before `cutoff` (arrival order; a late arrival lingers until
    /// the docs before it go) and stories left without docs.
    fn evict(&mut self, cutoff: i64) {
        while self.docs.front().is_some_and(|d| d.ts < cutoff) {
            let Some(doc) = self.docs.pop_front() else {
                break;
            };
            let id = self.first_id;
            self.first_id += 1;
            for h in &doc.sketch.hashes {
                if let Some(ids) = self.postings.get_mut(h) {
                    // Ids are pushed in order, so the evicted one is at the front.
                    if ids.first() == Some(&id) {
                        ids.remove(0);
                    } else {
                        ids.retain(|&x| x != id);
                    }
                    if ids.is_empty() {
                        self.postings.remove(h);
                    }
                }
            }
            if let Some(story) = self.stories.get_mut(&doc.story) {
                story.live -= 1;
                if story.live == 0 {
                    self.stories.remove(&doc.story);
                }
            }
        }
    }
}

/// The report for `story` if it has reached N distinct hosts within T ending at `now`
/// and is negative enough; `None` otherwise.
fn spread_report(story: &Story, p: &SpreadingParams, now: i64) -> Option<Spreading> {
    let recent: Vec<&Member> = story
        .members
        .iter()
        .filter(|m| m.ts >= now - p.window_secs)
        .collect();
    let mut hosts: Vec<&str> = recent.iter().map(|m| m.host.as_str()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    if hosts.len() < p.min_hosts {
        return None;
    }
    let negatives = recent.iter().filter(|m| m.negative).count();
    if (negatives as f64) < p.negative_share * recent.len() as f64 {
        return None;
    }
    // First mention per host, oldest first; the very first is the origin.
    let mut firsts: Vec<&Member> = Vec::new();
    let mut by_time: Vec<&Member> = story.members.iter().collect();
    by_time.sort_by_key(|m| m.ts);
    for m in by_time {
        if !firsts.iter().any(|f| f.host == m.host) {
            firsts.push(m);
        }
    }
    let mut sightings = firsts.into_iter().map(|m| Sighting {
        host: m.host.clone(),
        url: m.url.clone(),
        ts: DateTime::from_timestamp(m.ts, 0).unwrap_or_default(),
    });
    let first_seen = sightings.next()?;
    let picked_up_by: Vec<Sighting> = sightings.collect();
    Some(Spreading {
        brand: String::new(),
        first_seen,
        hosts: picked_up_by.len() + 1,
        picked_up_by,
        story_title: story.title.clone(),
    })
}
