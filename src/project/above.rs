//! Controls one level up: a model call whose own code has no failure path or
//! timeout may still be covered where it is used. Real applications put
//! these controls at the caller: a helper lets the provider's error reach
//! the request handler, whose `try`/`catch` logs it and answers 500; a tool
//! runs inside a Next.js route whose `maxDuration` the platform enforces.
//!
//! Read from the project index after every file is analysed, and applied
//! to the file rules' findings (`missing-failure-path`, `missing-timeout`)
//! before they are reported: a covered call is evidence instead.

use std::collections::HashMap;

use crate::facts::FunctionIndex;
use crate::source::Location;

use super::ProjectIndex;
use super::reach::Route;

type FunctionId = (usize, FunctionIndex);

/// A route's limit that bounds a site: the route's file, where `maxDuration`
/// is written, and the route's label.
type RouteBound = (usize, Location, String);

/// Callers followed up from a call, at most: the work per function is
/// bounded, and a control further up than this is not a design anyone
/// reads as one.
const MAX_LEVELS: u32 = 8;

/// An inference call covered by a control elsewhere: the site, and where the
/// control is (file, location) with a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoveredAbove {
    pub rule: &'static str,
    pub file: usize,
    pub site: usize,
    pub control_file: usize,
    pub control: Location,
    pub description: String,
}

/// One call edge with its target resolved to a project function: (target,
/// caller, the call is inside a `try`, where it is).
pub type ResolvedCall = (FunctionId, FunctionId, bool, Location);

/// Who calls each function, with whether the call is inside a `try`, in
/// the order of the files and of their calls.
pub struct Callers(HashMap<FunctionId, Vec<(FunctionId, bool, Location)>>);

impl Callers {
    /// Every file's calls, resolved now.
    pub fn of(index: &ProjectIndex<'_>) -> Callers {
        let per_file: Vec<Vec<ResolvedCall>> = (0..index.files.len()).map(|f| resolved_calls(index, f)).collect();
        Callers::from_resolved(per_file.iter().map(Vec::as_slice))
    }

    /// From each file's resolved calls, in file order (resolving is the
    /// costly part: the editor keeps each file's until something it
    /// depends on changes).
    pub fn from_resolved<'c>(files: impl Iterator<Item = &'c [ResolvedCall]>) -> Callers {
        let mut map: HashMap<FunctionId, Vec<(FunctionId, bool, Location)>> = HashMap::new();
        for calls in files {
            for &(target, caller, in_try, location) in calls {
                map.entry(target).or_default().push((caller, in_try, location));
            }
        }
        Callers(map)
    }
}

/// The calls one file makes to the project's functions. They depend on the
/// file's own facts, the module resolver (the files' paths), the exports
/// of the files its imports lead to, through re-exports, and the names of
/// the project's member functions (a method called on a value custodia
/// cannot follow reaches them by name).
pub fn resolved_calls(index: &ProjectIndex<'_>, file: usize) -> Vec<ResolvedCall> {
    let Some(facts) = index.files.get(file) else { return Vec::new() };
    facts
        .calls
        .iter()
        .filter_map(|edge| Some((edge, edge.caller?)))
        .flat_map(|(edge, caller)| {
            index
                .resolve_targets(file, &edge.target)
                .into_iter()
                .map(move |target| (target, (file, caller), edge.in_try, edge.location))
        })
        .collect()
}

/// The inference calls of the project whose failure path or timeout is
/// provided above them.
pub fn controls_above(index: &ProjectIndex<'_>, routes: &[Route<'_>]) -> Vec<CoveredAbove> {
    controls_above_with(index, routes, &Callers::of(index))
}

/// [`controls_above`] with who calls whom already known.
pub fn controls_above_with(index: &ProjectIndex<'_>, routes: &[Route<'_>], callers: &Callers) -> Vec<CoveredAbove> {
    let mut out = Vec::new();
    let callers = &callers.0;
    let mut handled: HashMap<FunctionId, Handled> = HashMap::new();
    for (file, facts) in index.files.iter().enumerate() {
        for (site, call) in facts.inference.iter().enumerate() {
            if call.failure.is_some() {
                continue;
            }
            let Some(function) = call.function else { continue };
            if let Some((at, location)) = handled_by_callers((file, function), callers, &mut handled, 0) {
                out.push(CoveredAbove {
                    rule: "missing-failure-path",
                    file,
                    site,
                    control_file: at,
                    control: location,
                    description: format!(
                        "the error of `{}` reaches its callers' try/catch ({})",
                        call.api, index.files[at].path
                    ),
                });
            }
        }
    }
    out.extend(bounded_by_routes(index, routes));
    out
}

/// Whether every call of `function` is made inside a `try`, directly or by
/// callers that all are: the first such `try` found. A function nobody in
/// the project calls (an entrypoint, a callback) is not handled above. A
/// call from a function the search is already inside (recursion, a
/// wrapper that dispatches to its own name) adds no way in: it is passed
/// over, and a function only such calls reach is not handled.
fn handled_by_callers(
    function: FunctionId,
    callers: &HashMap<FunctionId, Vec<(FunctionId, bool, Location)>>,
    memo: &mut HashMap<FunctionId, Handled>,
    level: u32,
) -> Option<(usize, Location)> {
    match memo.get(&function) {
        Some(Handled::Known(known)) => return *known,
        Some(Handled::InProgress) => return None,
        None => {}
    }
    memo.insert(function, Handled::InProgress);
    let answer = if level >= MAX_LEVELS {
        None
    } else {
        let mut first = None;
        let mut all = true;
        for &(caller, in_try, location) in callers.get(&function).map_or(&[][..], Vec::as_slice) {
            if !in_try && matches!(memo.get(&caller), Some(Handled::InProgress)) {
                continue;
            }
            let here =
                if in_try { Some((caller.0, location)) } else { handled_by_callers(caller, callers, memo, level + 1) };
            match here {
                Some(found) => first = first.or(Some(found)),
                None => {
                    all = false;
                    break;
                }
            }
        }
        if all { first } else { None }
    };
    memo.insert(function, Handled::Known(answer));
    answer
}

/// A function's answer in [`handled_by_callers`]: being worked out, or
/// known (the `try` that handles its error, or none).
#[derive(Clone, Copy)]
enum Handled {
    InProgress,
    Known(Option<(usize, Location)>),
}

/// Sites reached only from routes whose segment sets `maxDuration`.
fn bounded_by_routes(index: &ProjectIndex<'_>, routes: &[Route<'_>]) -> Vec<CoveredAbove> {
    // Per site: the limit of one bounding route, or None once an unbounded
    // route reaches it.
    let mut sites: HashMap<(usize, usize), Option<RouteBound>> = HashMap::new();
    for route in routes {
        let limit = index.files[route.file].time_limit.as_ref();
        for reached in &route.sites {
            let entry = sites.entry((reached.file, reached.site)).or_insert_with(|| {
                limit.map(|(location, value)| {
                    (route.file, *location, format!("{} (maxDuration {value})", route.label()))
                })
            });
            if limit.is_none() {
                *entry = None;
            }
        }
    }
    let mut out: Vec<CoveredAbove> = sites
        .into_iter()
        .filter_map(|((file, site), bound)| {
            let (control_file, control, route) = bound?;
            let call = &index.files[file].inference[site];
            if call.timeout.is_some() || call.timeout_disabled.is_some() || !call.timeout_decidable() {
                return None;
            }
            Some(CoveredAbove {
                rule: "missing-timeout",
                file,
                site,
                control_file,
                control,
                description: format!("`{}` runs only while serving {route}: the platform stops it then", call.api),
            })
        })
        .collect();
    out.sort_by_key(|c| (c.file, c.site));
    out
}
