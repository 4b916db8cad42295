//! A state set: which one of a fixed set of states something is in.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::label::LabelValue;
use crate::model::{FamilyDesc, MetricKind, Scratch, Sink, Source};
use crate::runtime::sync::{AtomicUsize, Ordering};

/// The current state among the values of `S`, a fixed-cardinality [`LabelValue`] (an enum).
/// Exported as one series per state, 1 for the current one and 0 for the others, labelled
/// with the family's own name (OpenMetrics' `stateset`; a gauge in the other formats).
///
/// ```
/// use metrics_core::{Format, LabelValue, Registry, StateSet};
///
/// #[derive(Clone, Copy)]
/// enum Phase { Starting, Serving, Draining }
/// impl LabelValue for Phase {
///     const CARDINALITY: Option<usize> = Some(3);
///     fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
///         f(["starting", "serving", "draining"][*self as usize])
///     }
///     fn index(&self) -> usize { *self as usize }
///     fn from_index(i: usize) -> Option<Phase> {
///         [Phase::Starting, Phase::Serving, Phase::Draining].get(i).copied()
///     }
/// }
///
/// let registry = Registry::new();
/// let phase: StateSet<Phase> = registry.try_state_set("server_phase", "Lifecycle phase.")?;
/// phase.set(Phase::Serving);
/// let mut body = Vec::new();
/// registry.encode(Format::Text, &mut body);
/// assert!(String::from_utf8(body)?.contains("server_phase{server_phase=\"serving\"} 1\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct StateSet<S> {
    inner: Arc<StateSetInner>,
    _state: PhantomData<fn(S)>,
}

pub(crate) struct StateSetInner {
    name: Box<str>,
    help: Box<str>,
    states: Box<[Box<str>]>,
    current: AtomicUsize,
}

impl<S> Clone for StateSet<S> {
    fn clone(&self) -> Self {
        StateSet {
            inner: Arc::clone(&self.inner),
            _state: PhantomData,
        }
    }
}

impl<S> fmt::Debug for StateSet<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let current = self.inner.current.load(Ordering::Relaxed);
        f.debug_struct("StateSet")
            .field("name", &self.inner.name)
            .field("current", &self.inner.states.get(current))
            .finish()
    }
}

impl<S: LabelValue> StateSet<S> {
    /// A state set over every value of `S`, in the first state; `None` when `S` has no fixed
    /// cardinality.
    pub(crate) fn new(name: &str, help: &str) -> Option<StateSet<S>> {
        let states = (0..S::CARDINALITY?)
            .map(|i| S::from_index(i).map(|s| s.with_str(|text| text.into())))
            .collect::<Option<Box<[Box<str>]>>>()?;
        Some(StateSet {
            inner: Arc::new(StateSetInner {
                name: name.into(),
                help: help.into(),
                states,
                current: AtomicUsize::new(0),
            }),
            _state: PhantomData,
        })
    }

    /// Makes `state` the current one.
    #[inline]
    pub fn set(&self, state: S) {
        self.inner.current.store(state.index(), Ordering::Relaxed);
    }

    /// Whether `state` is the current one.
    pub fn is(&self, state: &S) -> bool {
        self.inner.current.load(Ordering::Relaxed) == state.index()
    }

    pub(crate) fn cells(&self) -> Arc<StateSetInner> {
        Arc::clone(&self.inner)
    }
}

impl Source for StateSetInner {
    fn write_to(&self, sink: &mut dyn Sink, _: &mut Scratch) {
        let kind = MetricKind::StateSet;
        sink.family(&FamilyDesc {
            name: &self.name,
            help: &self.help,
            kind,
            unit: None,
        });
        let current = self.current.load(Ordering::Relaxed);
        for (i, state) in self.states.iter().enumerate() {
            sink.state(&self.name, "", state, i == current);
        }
    }

    fn series(&self) -> usize {
        self.states.len()
    }
}
