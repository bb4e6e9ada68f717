/* Map helpers shared by all programs. */
#pragma once

/* map__lookup_or_init - find key, inserting init when absent. Returns NULL
 * only when the map is full (or the insert raced with a delete); callers
 * count that as a loss. */
static __always_inline void *map__lookup_or_init(void *map, const void *key, const void *init)
{
	void *val;
	long err;

	val = bpf_map_lookup_elem(map, key);
	if (val)
		return val;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: another CPU inserted it first */)
		return 0;
	return bpf_map_lookup_elem(map, key);
}

/* loss__count - bump a per-CPU loss counter (a `losses` array in each object). */
#define SEISMO_DEFINE_LOSSES()                                  \
	struct {                                                \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);        \
		__uint(max_entries, SEISMO_LOSS_SLOTS);         \
		__type(key, __u32);                             \
		__type(value, __u64);                           \
	} losses SEC(".maps")

static __always_inline void loss__count(void *losses_map, __u32 stage)
{
	__u64 *cnt = bpf_map_lookup_elem(losses_map, &stage);

	if (cnt)
		*cnt += 1;
}
