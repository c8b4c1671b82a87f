// Contexts, streams, events and the seeded scheduler of the host emulation.
//
// In the asynchronous mode (FAKECUDA_MODE=async, the default) every stream is a queue: an
// enqueued op runs later, when the scheduler picks it. The scheduler only ever runs an op whose
// predecessors CUDA guarantees have completed:
//   - the ops issued before it on its stream (stream order);
//   - the marker of an event it waits for (cuStreamWaitEvent after cuEventRecord);
//   - for an op on the legacy default stream, the latest op of every blocking stream of its
//     context; for an op on a blocking stream, the latest op of the legacy stream (the implicit
//     synchronization; CU_STREAM_NON_BLOCKING streams take no part in it).
// Among the ready ops it picks with a PRNG seeded by FAKECUDA_SEED (default 1), at API entries
// (Api) and while a host-blocking call drains what it waits for, so each seed gives another
// interleaving that CUDA allows. FAKECUDA_MODE=sync runs each op as it is issued (the old
// behaviour, for debugging).
//
// Ordering for the hazard checks is happens-before, kept as vector clocks over the host
// (participant 0) and the streams: an op's clock is fixed when it is issued, so a hazard is found
// whatever order the seed picked. The host learns a stream's clock only by a synchronization that
// CUDA documents as one (cuStreamSynchronize, cuEventSynchronize, cuEventQuery returning success,
// cuCtxSynchronize, a synchronous device-to-host copy, which "returns only once the copy has
// completed").
#include "emulation.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <thread>

namespace emu {

// ------------------------------------------------------------------ clocks
uint64_t Clock::Get(int p) const
{
    auto it = std::lower_bound(v.begin(), v.end(), std::make_pair(p, (uint64_t)0));
    return it != v.end() && it->first == p ? it->second : 0;
}
void Clock::Set(int p, uint64_t e)
{
    auto it = std::lower_bound(v.begin(), v.end(), std::make_pair(p, (uint64_t)0));
    if (it != v.end() && it->first == p) it->second = e;
    else v.insert(it, std::make_pair(p, e));
}
void Clock::Join(const Clock& o)
{
    std::vector<std::pair<int, uint64_t>> out;
    out.reserve(v.size() + o.v.size());
    size_t i = 0, j = 0;
    while (i < v.size() || j < o.v.size())
    {
        if (j == o.v.size() || (i < v.size() && v[i].first < o.v[j].first)) out.push_back(v[i++]);
        else if (i == v.size() || o.v[j].first < v[i].first) out.push_back(o.v[j++]);
        else { out.emplace_back(v[i].first, std::max(v[i].second, o.v[j].second)); i++; j++; }
    }
    v.swap(out);
}
void Clock::Erase(int p)
{
    auto it = std::lower_bound(v.begin(), v.end(), std::make_pair(p, (uint64_t)0));
    if (it != v.end() && it->first == p) v.erase(it);
}

// ------------------------------------------------------------------ global state
std::recursive_mutex& Lock() { static std::recursive_mutex m; return m; }
bool AsyncMode()
{
    static const bool async = [] { const char* m = std::getenv("FAKECUDA_MODE"); return m == nullptr || std::strcmp(m, "sync") != 0; }();
    return async;
}
static std::mt19937_64& Rng()
{
    static std::mt19937_64 rng([] { const char* s = std::getenv("FAKECUDA_SEED"); return (uint64_t)(s ? std::atoll(s) : 1); }());
    return rng;
}
static Clock g_host;
static uint64_t g_hostEpoch = 0;
static uint64_t g_seq = 0;
static int g_nextStreamId = 1;
static int g_sticky = 0;
static std::vector<Stream*> g_streams;            // every stream not yet retired
static std::set<Stream*> g_busy;                  // streams with queued ops
static uint64_t g_pending = 0;                    // queued ops, all streams
static uint64_t g_ran = 0;
static std::set<Stream*> g_streamHandles;         // handles cuStreamCreate gave out and not destroyed
static std::set<Event*> g_events;
static std::map<void*, Context*> g_contexts;      // handle -> context
static thread_local Context* t_current = nullptr;

const Clock& HostClock() { return g_host; }
int HostAccessEpoch() { g_host.Set(0, ++g_hostEpoch); return (int)g_hostEpoch; }
void HostJoin(const Clock& c) { g_host.Join(c); }
// A failed op's error is reported by the next synchronizing call (as CUDA reports a kernel's fault),
// once: the emulation's context is not corrupted by it.
int TakeStickyError() { int e = g_sticky; g_sticky = 0; return e; }

// ------------------------------------------------------------------ contexts
Context* PrimaryContext(int device)
{
    // Primary context handles are made up, one per device, as before (0x1000 + 0x100 * device).
    void* handle = (void*)(uintptr_t)(0x1000 + device * 0x100);
    auto it = g_contexts.find(handle);
    if (it != g_contexts.end()) return it->second;
    Context* c = new Context{ handle, device, false };
    g_contexts[handle] = c;
    return c;
}
Context* ForeignContext()
{
    // A context that is not OrthoProj's: a caller's own (a framework's), made current by a test to
    // check that the backend leaves it current and never queues its work under it.
    static Context* c = [] { Context* f = new Context{ (void*)(uintptr_t)0xF0E1600, -1, true }; g_contexts[f->handle] = f; return f; }();
    return c;
}
Context* FromHandle(void* handle)
{
    if (handle == nullptr) return nullptr;
    auto it = g_contexts.find(handle);
    if (it != g_contexts.end()) return it->second;
    Context* c = new Context{ handle, -1, true };
    g_contexts[handle] = c;
    return c;
}
Context* CurrentContext() { return t_current; }
void SetCurrent(Context* c) { t_current = c; }

// ------------------------------------------------------------------ streams
static std::string ContextName(const Context* c)
{
    if (c == nullptr) return "no context";
    char b[64];
    if (c->foreign) std::snprintf(b, sizeof b, "foreign context %p", c->handle);
    else std::snprintf(b, sizeof b, "context %p (device %d)", c->handle, c->device);
    return b;
}
static Stream* NewStream(Context* ctx, bool blocking, bool legacy, const char* kind)
{
    Stream* s = new Stream();
    s->id = g_nextStreamId++;
    s->ctx = ctx;
    s->blocking = blocking;
    s->legacy = legacy;
    char b[96];
    std::snprintf(b, sizeof b, "%s stream #%d", kind, s->id);
    s->name = b;
    g_streams.push_back(s);
    return s;
}
Stream* CreateStream(Context* ctx, bool blocking)
{
    Stream* s = NewStream(ctx, blocking, false, blocking ? "blocking" : "non-blocking");
    g_streamHandles.insert(s);
    return s;
}
bool IsStream(void* handle) { return g_streamHandles.count((Stream*)handle) != 0; }
void DestroyStream(Stream* s)
{
    // "In case the device is still doing work in the stream hStream when cuStreamDestroy() is
    // called, the function will return immediately and the resources associated with hStream will
    // be released automatically once the device has completed all work in hStream."
    g_streamHandles.erase(s);
    s->destroyed = true;
}
Stream* ResolveStream(void* handle, Context* ctx)
{
    uintptr_t h = (uintptr_t)handle;
    if (h == 0 || h == 1)   // NULL and CU_STREAM_LEGACY: the legacy default stream of the context
    {
        if (ctx == nullptr) return nullptr;
        if (ctx->legacy == nullptr) ctx->legacy = NewStream(ctx, true, true, "legacy default");
        return ctx->legacy;
    }
    if (h == 2)             // CU_STREAM_PER_THREAD: a blocking stream per host thread
    {
        if (ctx == nullptr) return nullptr;
        uint64_t key = std::hash<std::thread::id>()(std::this_thread::get_id());
        Stream*& s = ctx->perThread[key];
        if (s == nullptr) s = NewStream(ctx, true, false, "per-thread default");
        return s;
    }
    return IsStream(handle) ? (Stream*)handle : nullptr;
}

// ------------------------------------------------------------------ running ops
bool QueuesEmpty() { return g_pending == 0; }
uint64_t CurrentSeq() { return g_seq; }
uint64_t OldestPendingSeq()
{
    uint64_t oldest = UINT64_MAX;
    for (Stream* s : g_busy) oldest = std::min(oldest, s->queue.front()->seq);
    return oldest;
}
static bool Ready(const Op& op)
{
    if (op.stream->queue.empty() || op.stream->queue.front().get() != &op) return false;
    for (auto& d : op.deps) if (!d->done) return false;
    return true;
}
// Streams destroyed, drained and covered by the host clock can no longer race with anything issued
// after that (every later op's clock includes the host's): once no op issued before then is still
// queued, forget them (their clock entries and access histories), so clocks stay short.
static void Retire()
{
    uint64_t oldest = OldestPendingSeq();
    std::vector<Stream*> gone;
    for (Stream* s : g_streams)
    {
        if (!s->destroyed || !s->queue.empty() || g_host.Get(s->id) < s->epoch) continue;
        if (s->coveredAtSeq == 0) s->coveredAtSeq = g_seq;
        if (s->coveredAtSeq < oldest) gone.push_back(s);
    }
    if (gone.size() < 16) return;
    std::set<Stream*> goneSet(gone.begin(), gone.end());
    for (Stream* s : gone)
    {
        ForgetParticipant(s->id);
        g_host.Erase(s->id);
        for (Stream* t : g_streams) if (!goneSet.count(t)) t->clock.Erase(s->id);
        for (Event* e : g_events) e->clock.Erase(s->id);
        s->last.reset();   // the Stream itself stays (a stale handle must not alias a new one)
    }
    g_streams.erase(std::remove_if(g_streams.begin(), g_streams.end(), [&](Stream* s) { return goneSet.count(s) != 0; }), g_streams.end());
}
static void RunOp(const std::shared_ptr<Op>& op)
{
    Stream* s = op->stream;
    s->queue.erase(s->queue.begin());
    if (s->queue.empty()) g_busy.erase(s);
    g_pending--;
    for (Alloc* a : op->known) a->pendingOps--;
    int rc = op->run(*op);
    if (rc != 0 && g_sticky == 0) g_sticky = rc;
    op->done = true;
    op->run = nullptr;   // drops captured arguments
    op->deps.clear();
    if (QueuesEmpty() || ++g_ran % 64 == 0)
    {
        ReleaseGraveyard();
        Retire();
    }
}
static std::vector<std::shared_ptr<Op>> ReadyOps()
{
    std::vector<std::shared_ptr<Op>> ready;
    for (Stream* s : g_busy)
        if (Ready(*s->queue.front())) ready.push_back(s->queue.front());
    // g_busy is ordered by address: sort by issue number so a seed picks the same op each run.
    std::sort(ready.begin(), ready.end(), [](const std::shared_ptr<Op>& a, const std::shared_ptr<Op>& b) { return a->seq < b->seq; });
    return ready;
}
static bool RunRandomReady()
{
    auto ready = ReadyOps();
    if (ready.empty()) return false;
    RunOp(ready[Rng()() % ready.size()]);
    return true;
}
// Runs one op on the way to target: the first not-run op of target's stream, or (first) one of the
// ops it waits for, chosen at random.
static void Step(const std::shared_ptr<Op>& target)
{
    std::shared_ptr<Op> f = target->stream->queue.front();
    std::vector<std::shared_ptr<Op>> unmet;
    for (auto& d : f->deps) if (!d->done) unmet.push_back(d);
    if (unmet.empty()) RunOp(f);
    else Step(unmet[Rng()() % unmet.size()]);
}
int RunUntilDone(const std::shared_ptr<Op>& target)
{
    // Drains what the host waits for and, now and then, some other ready op (the device runs other
    // streams meanwhile); never everything, so a host read that no synchronization covers can
    // still land before the copy does.
    while (!target->done)
    {
        if (AsyncMode() && Rng()() % 4 == 0 && RunRandomReady()) continue;
        Step(target);
    }
    return 0;
}
void DrainAll()
{
    // Runs everything queued, in a seeded order, without telling the host: no clock changes, so a
    // hazard of the queued work shows now (to the test that issued it) and nothing is hidden.
    while (RunRandomReady()) {}
}
int SyncStream(Stream* s)
{
    if (s->last && !s->last->done) RunUntilDone(s->last);
    g_host.Join(s->clock);
    return TakeStickyError();
}
int SyncContext(Context* ctx)
{
    for (;;)
    {
        std::shared_ptr<Op> pending;
        for (Stream* s : g_busy) if (s->ctx == ctx) { pending = s->queue.back(); break; }
        if (!pending) break;
        RunUntilDone(pending);
    }
    for (Stream* s : g_streams) if (s->ctx == ctx) g_host.Join(s->clock);
    return TakeStickyError();
}

std::shared_ptr<Op> Enqueue(Stream* s, std::string what, std::vector<Access> known, std::function<int(Op&)> run, bool checkContext, const Event* waitFor, std::function<void(Op&)> before)
{
    auto op = std::make_shared<Op>();
    op->seq = ++g_seq;
    op->what = std::move(what);
    op->stream = s;
    Context* current = CurrentContext();
    // Driver API, "Stream and Event Behavior" (CUDA C++ Programming Guide): "A kernel launch will
    // fail if it is issued to a stream that is not associated to the current device." cuBLAS and
    // cuSOLVER queue kernels too; copies "will succeed even if ... issued to a stream that is not
    // associated to the current device", so they pass checkContext = false.
    if (checkContext && current != s->ctx)
        Hazard("context", op->what + " queued on " + s->name + " of " + ContextName(s->ctx) + " while " + ContextName(current) + " is current");
    if (s->destroyed)
        Hazard("contract", op->what + " queued on " + s->name + ", which cuStreamDestroy_v2 destroyed");
    // What happened before it: its stream's earlier work, everything the host did or knew of when
    // it issued the op, an awaited event's work, and the legacy stream's implicit ordering.
    s->clock.Join(g_host);
    if (waitFor != nullptr && waitFor->marker)
    {
        if (!waitFor->marker->done) op->deps.push_back(waitFor->marker);
        s->clock.Join(waitFor->clock);
    }
    if (s->legacy)
    {
        for (Stream* b : g_streams)
            if (b != s && b->ctx == s->ctx && b->blocking && b->last)
            {
                if (!b->last->done) op->deps.push_back(b->last);
                s->clock.Join(b->clock);
            }
    }
    else if (s->blocking && s->ctx->legacy && s->ctx->legacy->last)
    {
        Stream* l = s->ctx->legacy;
        if (!l->last->done) op->deps.push_back(l->last);
        s->clock.Join(l->clock);
    }
    s->clock.Set(s->id, ++s->epoch);
    op->clock = s->clock;
    op->epoch = s->epoch;
    for (const Access& a : known)
    {
        Alloc* alloc = FindAlloc(a.ptr);
        if (alloc == nullptr || alloc->pseudo) continue;
        alloc->pendingOps++;
        alloc->pendingName = op->what + " on " + s->name;
        op->known.push_back(alloc);
        if (checkContext && !alloc->pinned && alloc->ctx != s->ctx)
            Hazard("context", op->what + " on " + s->name + " of " + ContextName(s->ctx) + " uses " + alloc->Describe() + " of " + ContextName(alloc->ctx));
    }
    // The accesses are checked when the op runs, with its clock.
    op->run = [known = std::move(known), run = std::move(run), before = std::move(before)](Op& self) {
        if (before) before(self);
        // Reads first (initialization is judged before this op's own writes), then writes.
        for (const Access& a : known) if (a.read && !a.write) Touch(self.stream->id, self.epoch, self.clock, self.what, a.ptr, a.bytes, true, false, a.checkInit);
        for (const Access& a : known) if (a.write) Touch(self.stream->id, self.epoch, self.clock, self.what, a.ptr, a.bytes, a.read, true, a.checkInit);
        return run(self);
    };
    s->queue.push_back(op);
    s->last = op;
    g_busy.insert(s);
    g_pending++;
    if (!AsyncMode()) RunOp(op);
    return op;
}

void RecordEvent(Event* e, Stream* s)
{
    e->marker = Enqueue(s, "cuEventRecord", {}, [](Op&) { return 0; }, false);
    e->clock = e->marker->clock;
    e->recorded = true;
}
void WaitEvent(Stream* s, Event* e)
{
    // "Makes all future work submitted to hStream wait for all work captured in hEvent"; an event
    // never recorded has nothing captured, so the wait is a no-op.
    if (!e->recorded) return;
    Enqueue(s, "cuStreamWaitEvent", {}, [](Op&) { return 0; }, false, e);
}
void RegisterEvent(Event* e) { g_events.insert(e); }
void UnregisterEvent(Event* e) { g_events.erase(e); }

Api::Api(const char*) : hold(Lock())
{
    // Some ready work runs "meanwhile", at random points: 0 to 3 ops at each entry.
    if (!AsyncMode()) return;
    int n = (int)(Rng()() % 4);
    for (int i = 0; i < n && RunRandomReady(); i++) {}
}

std::string Hex(const void* p) { char b[32]; std::snprintf(b, sizeof b, "%p", p); return b; }
}  // namespace emu
