#!/usr/bin/env python3
"""Compares the risk events of two replays of the same input (a script, not a test).

    finisterra scan --land data/land/land-10m.fland IN > old.jsonl   # binary before a change
    finisterra scan --land data/land/land-10m.fland IN > new.jsonl   # binary after it
    python3 bench/replay_diff.py old.jsonl new.jsonl

Prints the risk pairs in both, only in one, how much earlier or later each
common pair is first raised, and for the pairs only in the new replay their
levels, clear reasons, durations and whether a vessel turned while the risk
was open (the alarm on arrival raises momentary risks of turning vessels
that a pass every 10 s did not sample).
"""
import json, sys, collections
def load(p):
    ev=[json.loads(l) for l in open(p)]
    return ev
def ts(e):
    from datetime import datetime
    return datetime.fromisoformat(e['time'].replace('Z','+00:00')).timestamp()
old=load(sys.argv[1]); new=load(sys.argv[2])
def risks(ev):
    d=collections.defaultdict(list)
    for e in ev:
        if e['kind']=='risk.raised': d[(e['a']['mmsi'],e['b']['mmsi'])].append(('r',ts(e),e))
        if e['kind']=='risk.cleared': d[(e['a']['mmsi'],e['b']['mmsi'])].append(('c',ts(e),e))
    return d
ro=risks(old); rn=risks(new)
only_new=[k for k in rn if k not in ro]; only_old=[k for k in ro if k not in rn]
both=[k for k in rn if k in ro]
print('pairs: old',len(ro),'new',len(rn),'both',len(both),'only new',len(only_new),'only old',len(only_old))
# earlier raise in new for common pairs
d=[]
for k in both:
    r_o=[t for x,t,e in ro[k] if x=='r']; r_n=[t for x,t,e in rn[k] if x=='r']
    d.append(r_o[0]-r_n[0])
d.sort()
import statistics
print('first raise earlier in new by (s): min %.0f median %.1f max %.0f; earlier in %d, same %d, later %d'%(d[0],statistics.median(d),d[-1],sum(1 for x in d if x>0.5),sum(1 for x in d if abs(x)<=0.5),sum(1 for x in d if x<-0.5)))
# only-new pairs: durations and levels and min cpa
durs=[];levels=collections.Counter();reasons=collections.Counter();cpas=[]
for k in only_new:
    for x,t,e in rn[k]:
        if x=='c': durs.append(e['duration_s']); reasons[e['reason']]+=1
        if x=='r': levels[e['level']]+=1; cpas.append(e['cpa_nm'])
durs.sort()
print('only-new pairs: levels',dict(levels),'clear reasons',dict(reasons),'duration s: median',statistics.median(durs) if durs else None,'max',durs[-1] if durs else None)
print('only-new cpa at raise: median %.2f'%statistics.median(cpas))
# count raises per pair (re-raises)
print('raises per pair: old',sum(len([1 for x,_,_ in v if x=="r"]) for v in ro.values())/len(ro),'new',sum(len([1 for x,_,_ in v if x=="r"]) for v in rn.values())/len(rn))
# in both: extra raises in new
extra=sum(max(0,len([1 for x,_,_ in rn[k] if x=='r'])-len([1 for x,_,_ in ro[k] if x=='r'])) for k in both)
print('extra re-raises of common pairs in new:',extra)
turning=0; n=0
for k in only_new:
    ev=rn[k]
    r=[e for x,t,e in ev if x=='r'][0]; c=[e for x,t,e in ev if x=='c']
    if not c: continue
    c=c[0]; n+=1
    def dc(a,b): 
        d=abs(a-b)%360; return min(d,360-d)
    if dc(r['a']['cog_deg'],c['a']['cog_deg'])>10 or dc(r['b']['cog_deg'],c['b']['cog_deg'])>10: turning+=1
print('only-new pairs with a vessel turning >10 deg between raise and clear:',turning,'of',n)
# biggest earlier case
big=sorted(((ro[k][0][1]-rn[k][0][1]),k) for k in both)[-3:]
for d,k in big:
    print('earlier by',d,k,[ (x,round(t-rn[k][0][1]),e.get('level'),e.get('cpa_nm'),e.get('reason')) for x,t,e in rn[k]][:4], [(x,round(t-rn[k][0][1]),e.get('level'),e.get('reason')) for x,t,e in ro[k]][:3])
