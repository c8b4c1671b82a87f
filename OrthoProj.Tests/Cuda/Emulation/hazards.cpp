// The emulation's allocations and hazard checks (docs/cuda.md, "Hazards the emulation reports").
//
// Every allocation (cuMemAlloc_v2, cuMemHostAlloc) keeps, per participant (the host or a stream),
// its latest accesses as address ranges with the epoch of the op that made them. A new access
// conflicts with another participant's earlier one when they overlap, one of them writes, and the
// newer one's clock does not cover the older one's epoch: nothing (stream order, event, the legacy
// stream's ordering, a host synchronization before the later op was issued) orders them. Because
// the check uses clocks fixed at issue time, it finds the race whichever of the two ran first.
//
// Device memory also keeps a shadow, one byte per 4-byte word, of whether it was ever written (new
// memory is poisoned with 0xFF bytes, as before, and compute-sanitizer's initcheck is the model):
// an op that reads words never written is a hazard. Exact extents are known for copies, memsets,
// cuBLAS and cuSOLVER; a kernel's pointer parameter covers the rest of its allocation, so a kernel
// reading through a const pointer is flagged only when nothing from that pointer on was ever written.
//
// Every hazard goes to stderr at once ("HAZARD <class>: ...") and to the log that
// fakecuda_hazards returns (distinct lines; fakecuda_reset_hazards empties it).
#include "emulation.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>

namespace emu {

static std::map<uintptr_t, Alloc*> g_allocs;      // live allocations by base address
static std::vector<Alloc*> g_graveyard;           // freed, kept until no queued op can touch them
static std::vector<Alloc*> g_freedRecently;       // freed and released: for naming a use after free
static long long g_allocCount = 0;
static std::vector<std::string> g_hazards;
static std::set<std::string> g_hazardSet;

std::string Alloc::Describe() const
{
    if (pseudo) return "pageable host memory";
    char b[200];
    std::snprintf(b, sizeof b, "%s %p (%zu bytes, from %s)", pseudo ? "pageable host memory" : pinned ? "pinned host allocation" : "device allocation",
                  (void*)base, size, origin.c_str());
    return b;
}

void Hazard(const std::string& kind, const std::string& text)
{
    std::string line = kind + ": " + text;
    if (!g_hazardSet.insert(line).second) return;   // the same hazard again (a loop): once is enough
    g_hazards.push_back(line);
    std::fprintf(stderr, "HAZARD %s\n", line.c_str());
    std::fflush(stderr);
}

bool Contract(bool holds, const std::string& call, const std::string& text)
{
    if (!holds) Hazard("contract", call + ": " + text);
    return holds;
}

Alloc* NewAlloc(void* p, size_t bytes, bool pinned, const char* call)
{
    Alloc* a = new Alloc();
    a->base = (uintptr_t)p;
    a->size = bytes;
    a->pinned = pinned;
    a->ctx = CurrentContext();
    char b[96];
    std::snprintf(b, sizeof b, "%s #%lld", call, ++g_allocCount);
    a->origin = b;
    if (!pinned) a->written.assign((bytes + 3) / 4, 0);
    g_allocs[a->base] = a;
    return a;
}

Alloc* PageableHost()
{
    static Alloc* a = [] { Alloc* p = new Alloc(); p->pseudo = true; p->size = SIZE_MAX; p->origin = "the host"; return p; }();
    return a;
}

static Alloc* FindIn(std::vector<Alloc*>& list, uintptr_t p)
{
    for (auto it = list.rbegin(); it != list.rend(); ++it)
        if (p >= (*it)->base && p < (*it)->base + std::max<size_t>((*it)->size, 1)) return *it;
    return nullptr;
}
Alloc* FindAlloc(const void* ptr, bool includeFreed)
{
    uintptr_t p = (uintptr_t)ptr;
    auto it = g_allocs.upper_bound(p);
    if (it != g_allocs.begin())
    {
        --it;
        Alloc* a = it->second;
        if (p >= a->base && p < a->base + std::max<size_t>(a->size, 1)) return a;
    }
    if (!includeFreed) return nullptr;
    if (Alloc* a = FindIn(g_graveyard, p)) return a;
    return FindIn(g_freedRecently, p);
}

void MarkWritten(Alloc* a, uintptr_t lo, uintptr_t hi)
{
    if (a->written.empty() || hi <= lo) return;
    size_t w0 = (lo - a->base) / 4, w1 = (hi - a->base + 3) / 4;
    w1 = std::min(w1, a->written.size());
    if (w0 >= w1) return;
    std::memset(a->written.data() + w0, 1, w1 - w0);
    a->maxWrittenWord = std::max<int64_t>(a->maxWrittenWord, (int64_t)w1 - 1);
}

void CopyShadow(const void* dst, const void* src, size_t bytes)
{
    Alloc* d = FindAlloc(dst);
    Alloc* s = FindAlloc(src);
    if (d == nullptr || s == nullptr || d->written.empty() || s->written.empty()) return;
    uintptr_t dOff = (uintptr_t)dst - d->base, sOff = (uintptr_t)src - s->base;
    if (dOff % 4 != 0 || sOff % 4 != 0 || bytes % 4 != 0) return;   // word-misaligned: leave it marked written
    size_t words = bytes / 4;
    if (dOff / 4 + words > d->written.size() || sOff / 4 + words > s->written.size()) return;
    std::memmove(d->written.data() + dOff / 4, s->written.data() + sOff / 4, words);
    d->maxWrittenWord = -1;
    for (size_t w = d->written.size(); w-- > 0;) if (d->written[w]) { d->maxWrittenWord = (int64_t)w; break; }
}

static void CheckInitIn(Alloc* a, const std::string& what, uintptr_t lo, uintptr_t hi, bool extentKnown)
{
    if (a->written.empty() || hi <= lo) return;
    size_t w0 = (lo - a->base) / 4, w1 = std::min((hi - a->base + 3) / 4, a->written.size());
    if (!extentKnown)
    {
        // A kernel's pointer: its extent is unknown, so only "nothing from here on was ever written".
        if (a->maxWrittenWord < (int64_t)w0)
            Hazard("uninitialized", what + " reads " + a->Describe() + " at offset " + std::to_string(lo - a->base) + ", where nothing was ever written");
        return;
    }
    const uint8_t* z = (const uint8_t*)std::memchr(a->written.data() + w0, 0, w1 - w0);
    if (z != nullptr)
    {
        size_t first = (size_t)(z - a->written.data()) * 4;
        Hazard("uninitialized", what + " reads " + std::to_string(hi - lo) + " bytes at offset " + std::to_string(lo - a->base) + " of " + a->Describe() +
               "; the bytes at offset " + std::to_string(first) + " were never written");
    }
}

void CheckInit(const std::string& what, const void* p, size_t bytes)
{
    Alloc* a = FindAlloc(p);
    if (a == nullptr) return;
    uintptr_t lo = (uintptr_t)p, hi = std::min(lo + bytes, a->base + a->size);
    CheckInitIn(a, what, lo, hi, true);
}

static std::string Who(int participant) { return participant == 0 ? std::string("the host") : "stream #" + std::to_string(participant); }

// The conflict check and the bookkeeping shared by device and host memory.
static void Record(Alloc* a, int participant, uint64_t epoch, const Clock& clock, const std::string& what, uintptr_t lo, uintptr_t hi, bool read, bool write)
{
    for (auto& [q, entries] : a->history)
    {
        if (q == participant) continue;
        uint64_t known = clock.Get(q);
        for (const Alloc::Entry& e : entries)
        {
            if (e.hi <= lo || hi <= e.lo || !(write || e.write) || known >= e.epoch) continue;
            uintptr_t from = std::max(lo, e.lo);
            std::string span = (a->pseudo ? "[" + Hex((void*)from) : "[+" + std::to_string(from - a->base)) + ", " + std::to_string(std::min(hi, e.hi) - from) + " bytes]";
            if (participant == 0 && e.write && !write)
                Hazard("host-read-before-copy", what + " (the host) reads " + a->Describe() + " " + span + " that " + e.what + " on " + Who(q) +
                       " writes, and no synchronization orders that copy before the host");
            else if (q == 0 && !e.write && write)
                // The same hazard seen from the other side (the copy ran after the host's read):
                // reported the same way, whichever order the seed picked.
                Hazard("host-read-before-copy", e.what + " (the host) reads " + a->Describe() + " " + span + " that " + what + " on " + Who(participant) +
                       " writes, and no synchronization orders that copy before the host");
            else if (q == 0)
                Hazard("race", what + " on " + Who(participant) + (write ? " writes " : " reads ") + a->Describe() + " " + span + " that " + e.what +
                       " (the host) " + (e.write ? "wrote" : "read") + " after the op was issued");
            else
                Hazard("race", what + " on " + Who(participant) + (write ? " writes " : " reads ") + a->Describe() + " " + span + " that " + e.what + " on " + Who(q) +
                       (e.write ? " writes" : " reads") + ", with nothing (event, synchronization, stream order) ordering the two");
            break;
        }
    }
    std::vector<Alloc::Entry>& mine = a->history[participant];
    for (Alloc::Entry& e : mine)
        if (e.lo == lo && e.hi == hi && e.write == write) { e.epoch = std::max(e.epoch, epoch); e.what = what; return; }
    mine.push_back({ lo, hi, epoch, write, what });
    (void)read;
    if (mine.size() > 16)
    {
        // Keep the list short: merge the two oldest into their span with the later epoch (which can
        // only make a later access look less ordered, never more).
        Alloc::Entry m = mine[0];
        m.lo = std::min(mine[0].lo, mine[1].lo);
        m.hi = std::max(mine[0].hi, mine[1].hi);
        m.epoch = std::max(mine[0].epoch, mine[1].epoch);
        m.write = mine[0].write || mine[1].write;
        m.what = mine[1].what;
        mine.erase(mine.begin(), mine.begin() + 2);
        mine.insert(mine.begin(), m);
    }
}

void Touch(int participant, uint64_t epoch, const Clock& clock, const std::string& what, const void* p, size_t bytes, bool read, bool write, bool checkInit)
{
    if (p == nullptr) return;
    Alloc* a = FindAlloc(p);
    if (a == nullptr)
    {
        if (Alloc* f = FindAlloc(p, true))
            Hazard("free-in-use", what + " uses " + f->Describe() + " after cuMemFree freed it");
        return;   // not memory the emulation handed out
    }
    uintptr_t lo = (uintptr_t)p, end = a->base + a->size;
    uintptr_t hi = bytes == 0 ? end : lo + bytes;
    if (hi > end)
    {
        Hazard("bounds", what + " touches " + std::to_string(hi - lo) + " bytes at offset " + std::to_string(lo - a->base) + " of " + a->Describe() + ", past its end");
        hi = end;
    }
    if (read && checkInit) CheckInitIn(a, what, lo, hi, bytes != 0);
    Record(a, participant, epoch, clock, what, lo, hi, read, write);
    if (write) MarkWritten(a, lo, hi);
}

void TouchHost(int participant, uint64_t epoch, const Clock& clock, const std::string& what, const void* p, size_t bytes, bool read, bool write)
{
    if (p == nullptr || bytes == 0) return;
    Alloc* a = FindAlloc(p);
    if (a != nullptr && !a->pinned) return;   // device memory: not the host's
    if (a == nullptr)
    {
        if (Alloc* f = FindAlloc(p, true); f != nullptr && f->pinned)
        {
            Hazard("free-in-use", what + " uses " + f->Describe() + " after cuMemFreeHost freed it");
            return;
        }
        a = PageableHost();
    }
    uintptr_t lo = (uintptr_t)p;
    Record(a, participant, epoch, clock, what, lo, lo + bytes, read, write);
}

void FreeAlloc(Alloc* a, const char* call)
{
    // Driver API, "API synchronization behavior": "Any CUDA API call may block or synchronize for
    // various reasons ... undocumented behavior should not be relied upon." cuMemFree_v2 and
    // cuMemFreeHost promise no wait for queued work: work that uses the memory must be ordered
    // before the host (a synchronization) before the free.
    if (a->pendingOps > 0)
        Hazard("free-in-use", std::string(call) + " frees " + a->Describe() + " while " + a->pendingName + " (queued, not yet run) still uses it");
    else
    {
        const Clock& host = HostClock();
        for (auto& [q, entries] : a->history)
        {
            if (q == 0) continue;
            const Alloc::Entry* latest = nullptr;
            for (const Alloc::Entry& e : entries) if (host.Get(q) < e.epoch && (latest == nullptr || e.epoch > latest->epoch)) latest = &e;
            if (latest != nullptr)
            {
                Hazard("free-in-use", std::string(call) + " frees " + a->Describe() + " that " + latest->what + " on " + Who(q) +
                       " used, and no synchronization ordered that work before the host");
                break;
            }
        }
    }
    g_allocs.erase(a->base);
    a->freed = true;
    a->freedAtSeq = CurrentSeq();
    a->history.clear();
    g_graveyard.push_back(a);
    ReleaseGraveyard();
}

void ReleaseGraveyard()
{
    // Memory freed while ops issued before the free are still queued stays allocated until they
    // have run (they use it: a hazard already reported), so they never touch memory handed out again.
    uint64_t oldest = OldestPendingSeq();
    std::vector<Alloc*> keep;
    for (Alloc* a : g_graveyard)
    {
        if (a->freedAtSeq >= oldest) { keep.push_back(a); continue; }
        std::free((void*)a->base);
        a->written.clear();
        a->written.shrink_to_fit();
        g_freedRecently.push_back(a);
    }
    g_graveyard.swap(keep);
    // Remember a few freed ranges to name a later use; the address may be reused by a new
    // allocation, which FindAlloc finds first.
    if (g_freedRecently.size() > 256)
    {
        for (size_t i = 0; i < g_freedRecently.size() - 256; i++) delete g_freedRecently[i];
        g_freedRecently.erase(g_freedRecently.begin(), g_freedRecently.end() - 256);
    }
    // Pageable host ranges: entries the host's clock covers can no longer conflict with anything
    // issued later; only when nothing is queued (queued ops may have older clocks).
    if (!QueuesEmpty()) return;
    Alloc* h = PageableHost();
    for (auto it = h->history.begin(); it != h->history.end();)
    {
        auto& entries = it->second;
        entries.erase(std::remove_if(entries.begin(), entries.end(), [&](const Alloc::Entry& e) { return HostClock().Get(it->first) >= e.epoch; }), entries.end());
        it = entries.empty() ? h->history.erase(it) : std::next(it);
    }
}

void ForgetParticipant(int id)
{
    for (auto& [base, a] : g_allocs) a->history.erase(id);
    PageableHost()->history.erase(id);
}
}  // namespace emu

using namespace emu;

// Hazards recorded since the last reset, one per line, copied into buffer (up to capacity - 1
// characters, NUL-terminated); returns their count.
EXPORT int fakecuda_hazards(char* buffer, int capacity)
{
    std::lock_guard<std::recursive_mutex> hold(Lock());
    if (buffer != nullptr && capacity > 0)
    {
        std::string all;
        for (const std::string& h : g_hazards) all += h + "\n";
        size_t n = std::min(all.size(), (size_t)capacity - 1);
        std::memcpy(buffer, all.data(), n);
        buffer[n] = 0;
    }
    return (int)g_hazards.size();
}
EXPORT void fakecuda_reset_hazards()
{
    std::lock_guard<std::recursive_mutex> hold(Lock());
    g_hazards.clear();
    g_hazardSet.clear();
}
